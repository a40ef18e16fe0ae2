import { Param, ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '@helpdesk/domain';

/** A resource id from the path; anything that is not a UUID names no resource (404). */
export const IdParam = (name = 'id') => Param(name, new ParseUUIDPipe({ exceptionFactory: () => DomainError.notFound('The resource') }));
