import { escapePointer, isPlainObject } from '../lib/json.js';
import { subschemas } from './schema-walk.js';

// Keywords that apply a subschema to the same value (not to a property or item of it).
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'];
const IN_PLACE_SINGLES = ['not', 'if', 'then', 'else'];

/** The pointer a local `$ref` ("#", "#/$defs/x") names, or undefined for any other reference. */
function refTarget(ref: unknown): string | undefined {
  if (ref === '#') return '';
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  try {
    return decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
}

function inPlaceChildren(node: Record<string, unknown>, pointer: string): { to: string; via: string }[] {
  const children: { to: string; via: string }[] = [];
  const target = refTarget(node.$ref);
  if (target !== undefined) children.push({ to: target, via: `${pointer}/$ref` });
  for (const keyword of IN_PLACE_LISTS) {
    const list = node[keyword];
    if (Array.isArray(list))
      list.forEach((_, i) => children.push({ to: `${pointer}/${keyword}/${i}`, via: '' }));
  }
  for (const keyword of IN_PLACE_SINGLES) {
    if (keyword in node) children.push({ to: `${pointer}/${keyword}`, via: '' });
  }
  if (isPlainObject(node.dependentSchemas)) {
    for (const name of Object.keys(node.dependentSchemas)) {
      children.push({ to: `${pointer}/dependentSchemas/${escapePointer(name)}`, via: '' });
    }
  }
  return children;
}

/**
 * The pointer of a `$ref` that leads back to where it started without descending into a property or item, or
 * undefined. Validating any value against such a schema recurses until the stack overflows. Iterative: a chain of
 * thousands of $defs must not overflow the stack here either.
 */
export function findRefCycle(schema: unknown): string | undefined {
  const nodes = new Map<string, Record<string, unknown>>();
  for (const { node, pointer } of subschemas(schema)) nodes.set(pointer, node);
  const childrenOf = (pointer: string) => {
    const node = nodes.get(pointer);
    return node ? inPlaceChildren(node, pointer) : [];
  };
  const state = new Map<string, 'visiting' | 'done'>();
  for (const start of nodes.keys()) {
    if (state.has(start)) continue;
    state.set(start, 'visiting');
    const stack = [{ pointer: start, children: childrenOf(start), next: 0 }];
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const edge = top.children[top.next];
      if (!edge) {
        state.set(top.pointer, 'done');
        stack.pop();
        continue;
      }
      top.next += 1;
      if (state.get(edge.to) === 'visiting') return edge.via || top.pointer;
      if (!state.has(edge.to)) {
        state.set(edge.to, 'visiting');
        stack.push({ pointer: edge.to, children: childrenOf(edge.to), next: 0 });
      }
    }
  }
  return undefined;
}
