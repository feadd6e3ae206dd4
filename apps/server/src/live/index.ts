// live/'s public module: what other areas (the sync engine, the process wiring) may use of it.
export {
  writtenLines as processLiveLines,
  writtenLinesFor,
  type LiveLines,
  type WrittenLines,
  type WrittenLogRow,
} from './written-lines.js';
