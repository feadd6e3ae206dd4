import { Type, type Static } from '@sinclair/typebox';

/** One invalid input: `pointer` is a JSON Pointer into the request part named by `in`. */
export const InvalidParamSchema = Type.Object({
  in: Type.Union([
    Type.Literal('body'),
    Type.Literal('querystring'),
    Type.Literal('params'),
    Type.Literal('headers'),
  ]),
  pointer: Type.String(),
  message: Type.String(),
});
export type InvalidParam = Static<typeof InvalidParamSchema>;

/** RFC 9457 problem details, as every error on the wire is shaped. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(InvalidParamSchema)),
});
export type Problem = Static<typeof ProblemSchema>;
