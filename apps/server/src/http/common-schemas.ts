import { Type } from '@sinclair/typebox';

export const IdParamsSchema = Type.Object({ id: Type.String({ format: 'uuid' }) });
