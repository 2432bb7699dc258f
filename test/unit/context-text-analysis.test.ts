import { describe, expect, it } from 'vitest';
import { stem, terms, words } from '../../src/context/text-analysis.js';

describe('text analysis', () => {
  it('splits identifiers at case changes and separators', () => {
    expect(words('getBaziDetail')).toEqual(['get', 'bazi', 'detail']);
    expect(words('get-weibo-trending excel_read_sheet HTMLParser')).toEqual(['get', 'weibo', 'trending', 'excel', 'read', 'sheet', 'html', 'parser']);
  });

  it('turns CJK runs into overlapping bigrams', () => {
    expect(words('获取热榜')).toEqual(['获取', '取热', '热榜']);
    expect(words('中')).toEqual(['中']);
  });

  it('stems so that word forms meet', () => {
    expect(stem('creating')).toBe(stem('create'));
    expect(stem('trends')).toBe(stem('trending'));
    expect(stem('files')).toBe(stem('file'));
    expect(stem('running')).toBe('run');
    expect(stem('filling')).toBe('fill');
    expect(stem('generation')).toBe(stem('generate'));
  });

  it('drops stop words and request framing', () => {
    expect(terms('Please help me find the weather in Paris')).toEqual(['find', 'weath', 'paris']);
    expect(terms('Finding files', false)).toEqual(['finding', 'files']);
  });
});
