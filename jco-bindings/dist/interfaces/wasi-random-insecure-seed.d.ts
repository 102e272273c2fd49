/** @module Interface wasi:random/insecure-seed@0.2.6 **/
export function insecureSeed(): [bigint, bigint];
