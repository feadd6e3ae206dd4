// Types for build-inputs.mjs (plain JavaScript, run before any TypeScript loader), for the build's test.
export declare const SERVER_DIST: string;
export declare function buildRoots(dist?: string): { name?: string; sources: string; out: string }[];
export declare function buildInputFiles(): string[];
export declare function hashBuildInputs(files?: string[]): string;
export declare function isCurrentBuild(dist?: string): boolean;
