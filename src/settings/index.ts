// The settings table and everything derived from it. See table.ts.
export * from './rows';
export * from './table';
export * from './run-config';
export * from './link';
export * from './file';
