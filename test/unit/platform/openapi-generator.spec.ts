/**
 * The OpenAPI generator on a small Nest app of its own: what it reads from routes and pipes, and
 * the gap it names for a route that is not fully described (the text a helper adding a route sees).
 */
import { Body, Controller, Get, HttpCode, Module, Param, ParseUUIDPipe, Post, Query, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { buildOpenApiDocument, listRoutes, routeGaps } from '../../../src/app/openapi';
import { Public, Roles } from '../../../src/auth';
import { ApiZodBody, ApiZodResponse, ValidBody, ZodPipe } from '../../../src/platform/http/zod';

const Thing = z.strictObject({ name: z.string().min(1), size: z.number().int().default(3), tags: z.array(z.string()).optional() });
const Other = z.strictObject({ x: z.string() });
const Page = z.object({ limit: z.coerce.number().int().max(100).default(20), q: z.string().optional() });

@Controller('v1/things')
class ThingsController {
  @ApiOperation({ summary: 'Create a thing' })
  @Post()
  @Roles('compliance-officer')
  @ApiZodResponse(z.object({ id: z.string() }), 201)
  create(@ValidBody(Thing) body: z.infer<typeof Thing>) {
    return { id: body.name };
  }

  @ApiOperation({ summary: 'List things' })
  @Get()
  @Public()
  list(@Query(new ZodPipe(Page)) q: z.infer<typeof Page>) {
    return q;
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return { id };
  }

  @ApiOperation({ summary: 'Poke' })
  @Post(':id/poke')
  @HttpCode(200)
  poke(@Param('id') id: string, @Body() body: unknown) {
    return { id, body };
  }

  @ApiOperation({ summary: 'Mismatch' })
  @Post(':id/mismatch')
  @ApiZodBody(Other)
  mismatch(@ValidBody(Thing) body: unknown) {
    return body;
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('OpenAPI generator', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await NestFactory.create(ThingsModule, { logger: false });
  });
  afterAll(async () => app.close());

  it('reads paths, methods, status, roles and schemas from the routes and their pipes', () => {
    const doc = buildOpenApiDocument(app) as {
      paths: Record<
        string,
        Record<
          string,
          {
            summary: string;
            parameters?: { name: string; in: string; required: boolean; schema: { format?: string } }[];
            requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
            responses: Record<string, unknown>;
          }
        >
      >;
    };
    expect(Object.keys(doc.paths).sort()).toEqual(['/v1/things', '/v1/things/{id}', '/v1/things/{id}/mismatch', '/v1/things/{id}/poke']);
    const create = doc.paths['/v1/things']!.post!;
    expect(create.summary).toBe('Create a thing');
    // Input side: `size` has a default, so it is not required; `tags` is optional.
    expect(create.requestBody!.content['application/json']!.schema.required).toEqual(['name']);
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', '403', '409', '413', '422', '429', '503']);
    const list = doc.paths['/v1/things']!.get!;
    expect(list.parameters!.map((p) => [p.name, p.in, p.required])).toEqual([
      ['limit', 'query', false],
      ['q', 'query', false],
    ]);
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '429']); // public: no 401/403
    const get = doc.paths['/v1/things/{id}']!.get!;
    expect(get.parameters![0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { format: 'uuid' } });
    expect(get.responses).toHaveProperty('404');
  });

  it('names what an incomplete route needs', () => {
    const gaps = Object.fromEntries(listRoutes(app).map((r) => [`${r.method} ${r.path}`, routeGaps(r)]));
    expect(gaps['post /v1/things']).toEqual([]);
    expect(gaps['get /v1/things/{id}']).toEqual([expect.stringContaining("@ApiOperation({ summary: '…' })")]);
    expect(gaps['post /v1/things/{id}/poke']).toEqual([expect.stringContaining('@ValidBody(zodSchema)')]);
    expect(gaps['post /v1/things/{id}/mismatch']).toEqual([expect.stringContaining('@ApiZodBody names a different schema')]);
  });
});
