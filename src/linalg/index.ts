// Small dense linear algebra on plain typed arrays (no tfjs, no DOM): spectra for the explorer's metrics and
// random unitary/orthogonal initialisers. All matrices are row-major; complex ones are (re, im) array pairs.
//
//   realSingularValues(a, n), complexSingularValues(re, im, p)      one-sided Jacobi, descending   (svd.ts)
//   realEigenvalues(a, n), complexEigenvalues(re, im, n)            Hessenberg + shifted QR, sorted (eig.ts)
//   kronProducts, kronComplexProducts, kronSpectrumSummary, factorDeviation                         (kron.ts)
//   haarUnitary(rng, p), haarOrthogonal(rng, n)                                                     (random.ts)
//   matmul, transpose, complexMatmul, conjTranspose, kronMatrix, complexKronMatrix, gramDeviation   (dense.ts)
export * from './dense';
export * from './svd';
export * from './eig';
export * from './kron';
export * from './random';
