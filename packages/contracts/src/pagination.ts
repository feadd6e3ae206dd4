import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** `?limit=&cursor=` on every list route; `cursor` is the opaque `next_cursor` of the previous page. */
export const PageQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type PageQuery = Static<typeof PageQuerySchema>;

/** A page of a list: `next_cursor` is null on the last page. */
export const PageSchema = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
