import { pdfSafe } from './format.js';

// The letters' standard fonts (Helvetica) draw Windows-1252 only: anything else came out as garbage
// ("Kōwhai" as "K ×v† ’ ÷"). Letters outside it lose their accents; what has no such letter becomes "?".
describe('pdfSafe', () => {
  it('keeps Windows-1252 text as it is', () => {
    expect(pdfSafe('Café Müller — “quoted” €12 • naïve Ærø')).toBe('Café Müller — “quoted” €12 • naïve Ærø');
  });
  it('draws a letter outside Windows-1252 without its accent (macrons, Polish, Czech, Vietnamese; ó and á are in it)', () => {
    expect(pdfSafe('Kōwhai Ōrchard Māori Łódź Dvořák Nguyễn')).toBe('Kowhai Orchard Maori Lódz Dvorák Nguyen');
  });
  it('draws what has no Latin letter as "?", never garbage', () => {
    expect(pdfSafe('北京 Trading')).toBe('?? Trading');
  });
});
