export * from './channels.js';
export * from './dsl.js';
export * from './structs.js';
