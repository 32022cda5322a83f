// Small dense linear algebra on plain typed arrays (no tfjs, no DOM): spectra for the explorer's metrics and
// random unitary/orthogonal initialisers. See each file's header for method and conventions.
export * from './dense';
export * from './svd';
export * from './eig';
export * from './kron';
export * from './random';
