/**
 * Words of a request for the text features: Unicode letters and digits, lower-cased,
 * English stopwords (the `stopword` package's list) and chat pleasantries removed, words
 * reduced to their Porter stem (`stemmer`) so "cancel", "cancelled" and "cancellation"
 * count as one, and word bigrams over what remains. Each feature keeps the surface words
 * it came from, so cluster names read as words people wrote, not stems.
 */
import { eng } from 'stopword';
import { stemmer } from 'stemmer';

/**
 * Words that open and close chat requests whatever they are about ("hi, I need help
 * with ..."), kept out so clusters form around what is asked, not how politely.
 */
const CHAT_FILLER = [
  'hi', 'hello', 'hey', 'dear', 'please', 'pls', 'thanks', 'thank', 'ok', 'okay', 'yes', 'yeah', 'sure', 'hmm', 'um',
  'just', 'will', 'shall', 'may', 'going', 'want', 'wanted', 'wants', 'need', 'needs', 'needed', 'help', 'assist',
  'll', 've', 're', 'don', 'doesn', 'didn', 'isn', 'wasn', 'im', 'id', 'ive', 'can', 'cannot', 'something', 'anything',
];
const STOPWORDS = new Set<string>([...eng, ...CHAT_FILLER]);

/** Characters of text read per document: requests longer than this add little but cost CPU. */
export const MAX_TEXT_CHARS = 4000;
/** Words kept per document after filtering (bounds the features of a pasted log or essay). */
export const MAX_WORDS = 400;

// Underscores join: `amelia_davis_8890` is one (dropped) id, not the words "amelia" and "davis".
const WORD = /[\p{L}\p{M}\p{N}_]+/gu;
const DIGIT = /\p{N}/u;
const EMAIL_OR_URL = /\S+@\S+\.\S+|\b(?:https?|ftp):\/\/\S+/giu;

/** A kept word: its stem (the feature) and the word as written (lower-cased, for names). */
export interface Word {
  stem: string;
  surface: string;
}

/**
 * The kept words of `text`, in order. Words with digits, long all-capital words, e-mail
 * addresses and URLs are dropped: in requests they are ids, booking codes, dates, amounts,
 * order numbers and contact details,
 * which never describe an intent and would make every request unique.
 */
export function words(text: string): Word[] {
  const out: Word[] = [];
  const source = text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
  for (const match of source.normalize('NFKC').replace(EMAIL_OR_URL, ' ').matchAll(WORD)) {
    const raw = match[0].replace(/^_+|_+$/g, '');
    // A long all-capitals word is a booking code or a reference (MDCLVA), not a word.
    if (raw.length >= 6 && raw === raw.toUpperCase() && raw !== raw.toLowerCase()) continue;
    const w = raw.toLowerCase();
    if (w.length < 2 || w.length > 40 || DIGIT.test(w) || STOPWORDS.has(w)) continue;
    out.push({ stem: stemmer(w), surface: w });
    if (out.length >= MAX_WORDS) break;
  }
  return out;
}

/** One n-gram feature: `key` (stems, for counting) and `surface` (words, for display). */
export interface Gram {
  key: string;
  surface: string;
}

/** Unigrams and bigrams of `ws` (bigrams join words adjacent after filtering). */
export function grams(ws: Word[]): Gram[] {
  const out: Gram[] = [];
  for (let i = 0; i < ws.length; i++) {
    out.push({ key: ws[i].stem, surface: ws[i].surface });
    if (i + 1 < ws.length) out.push({ key: `${ws[i].stem} ${ws[i + 1].stem}`, surface: `${ws[i].surface} ${ws[i + 1].surface}` });
  }
  return out;
}

/** The n-gram features of a text: words, then unigrams and bigrams. */
export function textGrams(text: string): Gram[] {
  return grams(words(text));
}
