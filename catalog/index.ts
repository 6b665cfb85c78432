export * from './gpus';
