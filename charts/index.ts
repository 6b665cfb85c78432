export * from './catalogue';
export * from './gpu-operator';
export * from './values-yaml';
