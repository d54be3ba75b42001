/**
 * Notice content drafted from the facts (pure). Minimal here: the "what happened" sentence, so a
 * letter never takes the incident's internal free text (issue 14, item 7). The fuller drafting
 * (kinds of information, steps, mitigation, Spanish) lives on the h-content branch: on merge, its
 * version of this file wins.
 */
export interface WhatHappenedFacts {
  discoveredOn?: string;
  breachStartedOn?: string;
  breachEndedOn?: string;
  breachType?: string;
  locations?: string[];
}

const WHERE: Record<string, string> = {
  laptop: 'a laptop computer',
  'desktop-computer': 'a desktop computer',
  'network-server': 'a network server',
  email: 'an email account',
  'electronic-medical-record': 'our electronic medical record system',
  'other-portable-electronic-device': 'a portable electronic device',
  'paper-films': 'paper records',
  other: 'our records',
};

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** (A) what happened, from the breach type and places only; the template prints the dates. */
export function draftWhatHappened(f: WhatHappenedFacts): string {
  const places = (f.locations ?? []).map((l) => WHERE[l] ?? 'our records');
  const where = places.length <= 1 ? (places[0] ?? 'our records') : `${places.slice(0, -1).join(', ')} and ${places[places.length - 1]}`;
  const holding = `${where} holding our patients' health information`;
  const sentence: Record<string, string> = {
    'hacking-it-incident': `An unauthorized person gained access to ${holding} through a cyberattack.`,
    'unauthorized-access-disclosure': `Someone who was not authorized to see it viewed or received information from ${holding}.`,
    theft: `${cap(where)} holding our patients' health information was stolen.`,
    loss: `${cap(where)} holding our patients' health information was lost.`,
    'improper-disposal': `${cap(where)} holding our patients' health information was not disposed of securely.`,
    other: `An incident affected ${holding}.`,
  };
  return sentence[f.breachType ?? 'other'] ?? sentence.other!;
}
