import { describe, expect, it } from 'vitest';
import { matchesTemplate, templateRegex } from '../../src/gateway/uri-template.js';

describe('matchesTemplate', () => {
  it('matches a template without expressions literally', () => {
    expect(matchesTemplate('config://app', 'config://app')).toBe(true);
    expect(matchesTemplate('config://app', 'config://app/x')).toBe(false);
    expect(matchesTemplate('config://app', 'xconfig://app')).toBe(false);
  });

  it('matches a simple {var} within one path segment, non-empty', () => {
    expect(matchesTemplate('users://{id}/profile', 'users://42/profile')).toBe(true);
    expect(matchesTemplate('users://{id}/profile', 'users://a/b/profile')).toBe(false);
    expect(matchesTemplate('users://{id}/profile', 'users:///profile')).toBe(false);
    expect(matchesTemplate('users://{id}', 'users://42?x=1')).toBe(false);
    expect(matchesTemplate('users://{id}', 'users://42#frag')).toBe(false);
  });

  it('matches a reserved {+var} or fragment {#var} across slashes', () => {
    expect(matchesTemplate('file:///{+path}', 'file:///home/me/notes.txt')).toBe(true);
    expect(matchesTemplate('file:///{+path}', 'file:///')).toBe(true);
    expect(matchesTemplate('doc://x{#section}', 'doc://xintro/part')).toBe(true);
  });

  it('matches path segments {/var}, zero or more', () => {
    expect(matchesTemplate('repo://r{/path}', 'repo://r/a/b/c')).toBe(true);
    expect(matchesTemplate('repo://r{/path}', 'repo://r')).toBe(true);
    expect(matchesTemplate('repo://r{/path}', 'repo://rx')).toBe(false);
  });

  it('matches optional query {?a,b} and continuation {&c}', () => {
    expect(matchesTemplate('search://items{?q,limit}', 'search://items')).toBe(true);
    expect(matchesTemplate('search://items{?q,limit}', 'search://items?q=x&limit=3')).toBe(true);
    expect(matchesTemplate('search://items?fixed=1{&page}', 'search://items?fixed=1&page=2')).toBe(true);
    expect(matchesTemplate('search://items{?q}', 'search://itemsq=x')).toBe(false);
  });

  it('matches label {.var} and path-parameter {;var} expansions', () => {
    expect(matchesTemplate('host://www{.domain}', 'host://www.example.com')).toBe(true);
    expect(matchesTemplate('host://www{.domain}', 'host://www')).toBe(true);
    expect(matchesTemplate('map://m{;x,y}', 'map://m;x=1;y=2')).toBe(true);
  });

  it('treats regular-expression characters in the literal parts literally', () => {
    expect(matchesTemplate('a.b://(x)+{id}', 'a.b://(x)+1')).toBe(true);
    expect(matchesTemplate('a.b://(x)+{id}', 'aXb://(x)+1')).toBe(false);
    expect(matchesTemplate('q://x?y={id}', 'q://x?y=1')).toBe(true);
    expect(matchesTemplate('q://[a]^$|\\{id}', 'q://[a]^$|\\7')).toBe(true);
  });

  it('treats an unclosed brace as a literal', () => {
    expect(matchesTemplate('weird://{open', 'weird://{open')).toBe(true);
    expect(matchesTemplate('weird://{open', 'weird://x')).toBe(false);
  });

  it('compiles each template once', () => {
    expect(templateRegex('cache://{k}')).toBe(templateRegex('cache://{k}'));
  });

  it('keeps working when the compiled-template cache fills up', () => {
    for (let i = 0; i < 10_050; i++) templateRegex(`bulk://${i}/{x}`);
    expect(matchesTemplate('bulk://3/{x}', 'bulk://3/y')).toBe(true);
    expect(matchesTemplate('bulk://10049/{x}', 'bulk://10049/y')).toBe(true);
  });
});
