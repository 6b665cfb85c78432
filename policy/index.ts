export * from './check';
export * from './exceptions';
export * from './report';
export * from './rules';
