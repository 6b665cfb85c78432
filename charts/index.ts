export * from './catalogue';
export * from './gpu-operator';
export * from './values-yaml';
export * from './caddy';
export * from './cert-manager';
export * from './cloudnative-pg';
export * from './litellm';
export * from './qdrant';
