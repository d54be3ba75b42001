/**
 * GET /v1/notices/letters/:letterId/pdf — one printed letter, reproduced from its mail-house
 * print file (letters are stored once, inside the print file). For proof of notice: the body is
 * the letter as printed, its SHA-256 (X-Content-SHA256) the digest in the proof. PHI: the read
 * is recorded (PhiAccessed) once the letter is found, before it is sent.
 */
import { Controller, Get, Param, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { PhiRead, ReadsPhi, Roles } from '../../auth';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { LetterPdfQuery, type LetterPdf } from '../queries/letter-pdf.query';

@ApiTags('notices')
@ApiBearerAuth()
@Controller()
export class LetterPdfController {
  constructor(private readonly queries: QueryBus) {}

  @ApiOperation({ summary: 'One letter as mailed (PDF), reproduced from its print file' })
  @Get('v1/notices/letters/:letterId/pdf')
  @Roles('compliance-officer', 'incident-responder')
  @ReadsPhi()
  async letterPdf(@Param('letterId') letterId: string, @Res() res: Response, @PhiRead() recordRead: () => Promise<void>) {
    if (!/^L[0-9A-F]{15}$/.test(letterId)) throw ValidationError.field('letterId', 'expected a letter reference like L0123456789ABCDE');
    const found = await this.queries.execute<LetterPdfQuery, LetterPdf | 'not-a-letter' | null>(new LetterPdfQuery(letterId));
    if (!found) throw new NotFoundError('no letter with this reference');
    if (found === 'not-a-letter')
      throw new NotFoundError('this notice was not a printed letter (email, substitute notice or not required)');
    await recordRead();
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${letterId}.pdf"`);
    res.setHeader('X-Content-SHA256', found.sha256);
    res.setHeader('Cache-Control', 'no-store');
    res.end(found.pdf);
  }
}
