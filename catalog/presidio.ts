/**
 * Presidio (the PII analyzer and anonymizer LiteLLM's `presidio` guardrail calls), at release 2.2.363: images,
 * port, user and the entities its analyzer detects. Facts from microsoft/presidio (moving to
 * data-privacy-stack/presidio) tag 2.2.363 (5c0ac333534955601f0649cff3e323ca5d5d7345): the Dockerfiles,
 * entrypoint.sh, app.py, conf/default*.yaml and the predefined recognizers, as extracted in
 * facts/upstream/flags/presidio-2.2.363.json (test/catalog/presidio.test.ts keeps these lists equal to it).
 */
import type { ImagePin } from './images';

export const PRESIDIO_VERSION = '2.2.363';

/**
 * The images, by the exact release tag `.github/workflows/release.yml` publishes (`ghcr.io/data-privacy-stack/...`;
 * the legacy mcr.microsoft.com images stop at 2.2.362). No digest: none is published in a source we could read.
 */
export const PRESIDIO_IMAGES = {
  analyzer: { repository: 'ghcr.io/data-privacy-stack/presidio-analyzer', tag: PRESIDIO_VERSION },
  anonymizer: { repository: 'ghcr.io/data-privacy-stack/presidio-anonymizer', tag: PRESIDIO_VERSION },
} as const satisfies Record<string, ImagePin>;

/** Both images listen on $PORT, 3000 by default (Dockerfile ENV PORT=3000; app.py DEFAULT_PORT). */
export const PRESIDIO_PORT = 3000;
/** `USER 1001` in both Dockerfiles (useradd -m -u 1001 presidio; HOME /home/presidio). */
export const PRESIDIO_UID = 1001;
export const PRESIDIO_HOME = '/home/presidio';
/** `GET /health` in both app.py (the Dockerfile HEALTHCHECK curls it). */
export const PRESIDIO_HEALTH_PATH = '/health';

/**
 * The entities the analyzer image detects for English with its defaults (default_recognizers.yaml's enabled `en`
 * pattern recognizers plus the spaCy NER set of conf/default.yaml without ORGANIZATION, which it ignores):
 * what `GET /supportedentities?language=en` returns. Only these can be masked or blocked by the pinned image.
 */
export const PRESIDIO_DEFAULT_EN_ENTITIES = [
  'CREDIT_CARD', 'CRYPTO', 'DATE_TIME', 'EMAIL_ADDRESS', 'IBAN_CODE', 'IP_ADDRESS', 'LOCATION', 'MAC_ADDRESS', 'MEDICAL_LICENSE', 'NRP',
  'PERSON', 'PHONE_NUMBER', 'UK_NHS', 'URL', 'US_BANK_NUMBER', 'US_DRIVER_LICENSE', 'US_ITIN', 'US_PASSPORT', 'US_SSN',
] as const;

/** Every entity name a predefined recognizer of 2.2.363 can return (most are off by default or for other languages). */
export const PRESIDIO_PREDEFINED_ENTITIES = [
  'ABA_ROUTING_NUMBER', 'AU_ABN', 'AU_ACN', 'AU_MEDICARE', 'AU_TFN', 'CA_SIN', 'CREDIT_CARD', 'CRYPTO', 'DATE_TIME', 'DE_BSNR',
  'DE_FUEHRERSCHEIN', 'DE_HANDELSREGISTER', 'DE_HEALTH_INSURANCE', 'DE_ID_CARD', 'DE_KFZ', 'DE_LANR', 'DE_PASSPORT', 'DE_PLZ',
  'DE_SOCIAL_SECURITY', 'DE_TAX_ID', 'DE_TAX_NUMBER', 'DE_VAT_ID', 'EMAIL_ADDRESS', 'ES_NIE', 'ES_NIF', 'ES_PASSPORT',
  'FI_PERSONAL_IDENTITY_CODE', 'IBAN_CODE', 'IN_AADHAAR', 'IN_GSTIN', 'IN_PAN', 'IN_PASSPORT', 'IN_VEHICLE_REGISTRATION', 'IN_VOTER',
  'IP_ADDRESS', 'IT_DRIVER_LICENSE', 'IT_FISCAL_CODE', 'IT_IDENTITY_CARD', 'IT_PASSPORT', 'IT_VAT_CODE', 'KR_BRN', 'KR_DRIVER_LICENSE',
  'KR_FRN', 'KR_PASSPORT', 'KR_RRN', 'LOCATION', 'MAC_ADDRESS', 'MEDICAL_LICENSE', 'NG_NIN', 'NG_VEHICLE_REGISTRATION', 'NRP',
  'ORGANIZATION', 'PERSON', 'PHONE_NUMBER', 'PH_TIN', 'PL_PESEL', 'SE_ORGANISATIONSNUMMER', 'SE_PERSONNUMMER', 'SG_NRIC_FIN', 'SG_UEN',
  'TH_TNIN', 'TR_LICENSE_PLATE', 'TR_NATIONAL_ID', 'UK_DRIVING_LICENCE', 'UK_NHS', 'UK_NINO', 'UK_PASSPORT', 'UK_POSTCODE',
  'UK_VEHICLE_REGISTRATION', 'URL', 'US_BANK_NUMBER', 'US_DRIVER_LICENSE', 'US_ITIN', 'US_MBI', 'US_NPI', 'US_PASSPORT', 'US_SSN',
  'ZA_ID_NUMBER',
] as const;

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The detectable entity nearest to a name (a name that contains it or is contained in it first, then the fewest edits). */
export function nearestPresidioEntity(name: string): string {
  const upper = name.toUpperCase();
  const score = (e: string) => (e.includes(upper) || upper.includes(e) ? 0 : 1) * 1000 + distance(upper, e);
  return [...PRESIDIO_DEFAULT_EN_ENTITIES].sort((a, b) => score(a) - score(b) || a.localeCompare(b))[0]!;
}
