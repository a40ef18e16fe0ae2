import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthService, TokenPair } from '@helpdesk/core';
import { ApiProblems } from '../common/api-docs';
import { Public } from '../common/decorators';
import { LoginDto, RefreshDto, TokenPairDto } from './dto/login.dto';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for a short-lived access token and a refresh token' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(401, 422, 429)
  login(@Body() body: LoginDto): Promise<TokenPair> {
    return this.auth.login(body.email, body.password, body.tenant);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token; reusing a spent one revokes its whole family' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(401, 422, 429)
  refresh(@Body() body: RefreshDto): Promise<TokenPair> {
    return this.auth.refresh(body.refresh_token);
  }
}
