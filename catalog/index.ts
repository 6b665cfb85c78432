export * from './gpus';
export * from './models';
export * from './planner';
export * from './images';
