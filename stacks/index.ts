export * from './environment-stacks';
export * from './gpu-pools-stack';
export * from './models-stack';
export * from './platform-stack';
export { EnvironmentStack } from './private/environment-stack';
export * from './edge-stack';
export * from './gateway-stack';
export * from './rag-stack';
export * from './observability-stack';
