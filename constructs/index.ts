export * from './gpu-node-pool';
export * from './gpu-operator';
export * from './gpu-sharing';
export * from './pod-security-namespace';
