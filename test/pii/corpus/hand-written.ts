// Hand-written corpus lines: named entities in context and hard negatives from real-looking
// engineering text (versions, dates, ids, hashes, technical tokens).
import type { PiiCategory } from "../../../workers/pii/index.js";

export interface Span {
  start: number;
  end: number;
  category: PiiCategory;
}

export interface CorpusLine {
  text: string;
  spans: Span[];
}

/** Labels each listed substring (first occurrence after the previous one). */
function labelled(text: string, parts: Array<[string, PiiCategory]> = []): CorpusLine {
  let from = 0;
  const spans = parts.map(([value, category]) => {
    const start = text.indexOf(value, from);
    if (start < 0) throw new Error(`corpus label not found: ${value}`);
    from = start + value.length;
    return { start, end: start + value.length, category };
  });
  return { text, spans };
}

const P = "person" as const;
const O = "organization" as const;
const L = "location" as const;

export const HAND_WRITTEN: CorpusLine[] = [
  labelled("Please schedule a call with Sarah Johnson next week.", [["Sarah Johnson", P]]),
  labelled("Michael Brown signed the contract on behalf of the buyer.", [["Michael Brown", P]]),
  labelled("I met Emily Davis and Robert Wilson at the conference in Chicago.", [
    ["Emily Davis", P],
    ["Robert Wilson", P],
    ["Chicago", L],
  ]),
  labelled("The report was prepared by David Miller for Microsoft.", [
    ["David Miller", P],
    ["Microsoft", O],
  ]),
  labelled("Our office in London moved to a new building.", [["London", L]]),
  labelled("She flew from Tokyo to San Francisco on Monday.", [
    ["Tokyo", L],
    ["San Francisco", L],
  ]),
  labelled("Goldman Sachs and Morgan Stanley both declined to comment.", [
    ["Goldman Sachs", O],
    ["Morgan Stanley", O],
  ]),
  labelled("Jennifer Lopez is the new account manager for Walmart.", [
    ["Jennifer Lopez", P],
    ["Walmart", O],
  ]),
  labelled("Ask Thomas Anderson whether the Berlin team can help.", [
    ["Thomas Anderson", P],
    ["Berlin", L],
  ]),
  labelled("The customer, Patricia Taylor, lives in Denver, Colorado.", [
    ["Patricia Taylor", P],
    ["Denver, Colorado", L],
  ]),
  labelled("We signed a partnership with the World Health Organization.", [["World Health Organization", O]]),
  labelled("Mark Zuckerberg spoke about Facebook at the event in Paris.", [
    ["Mark Zuckerberg", P],
    ["Facebook", O],
    ["Paris", L],
  ]),
  labelled("Send the draft to Karen White before Friday.", [["Karen White", P]]),
  labelled("The shipment left Rotterdam and arrives in New York tomorrow.", [
    ["Rotterdam", L],
    ["New York", L],
  ]),
  labelled("Daniel Martinez from Google reviewed the proposal.", [
    ["Daniel Martinez", P],
    ["Google", O],
  ]),
  labelled("Lisa Thompson and James Clark will join the meeting from Boston.", [
    ["Lisa Thompson", P],
    ["James Clark", P],
    ["Boston", L],
  ]),
  labelled("The lawsuit against Apple was filed in California.", [
    ["Apple", O],
    ["California", L],
  ]),
  labelled("Please forward this to Nancy Moore in accounting.", [["Nancy Moore", P]]),
  labelled("Amazon opened a new warehouse near Seattle.", [
    ["Amazon", O],
    ["Seattle", L],
  ]),
  labelled("Dr. Steven Harris will review the results.", [["Steven Harris", P]]),
  labelled("Christopher Lee grew up in Toronto, Canada.", [
    ["Christopher Lee", P],
    ["Toronto, Canada", L],
  ]),
  labelled("The grant came from the Bill and Melinda Gates Foundation.", [["Bill and Melinda Gates Foundation", O]]),
  labelled("Angela Martin asked whether Oracle renewed the license.", [
    ["Angela Martin", P],
    ["Oracle", O],
  ]),
  labelled("We are hiring in Madrid, Lisbon and Dublin.", [
    ["Madrid", L],
    ["Lisbon", L],
    ["Dublin", L],
  ]),
  labelled("Kevin Walker reports to Jessica Hall.", [
    ["Kevin Walker", P],
    ["Jessica Hall", P],
  ]),
  labelled("Tesla and Ford announced new factories in Texas.", [
    ["Tesla", O],
    ["Ford", O],
    ["Texas", L],
  ]),
  labelled("Contact Brian Young regarding the Sydney office.", [
    ["Brian Young", P],
    ["Sydney", L],
  ]),
  labelled("Melissa King left IBM last year.", [
    ["Melissa King", P],
    ["IBM", O],
  ]),
  labelled("Our supplier in Shanghai shipped the parts late.", [["Shanghai", L]]),
  labelled("Jason Wright and Laura Scott met with Deloitte in Chicago.", [
    ["Jason Wright", P],
    ["Laura Scott", P],
    ["Deloitte", O],
    ["Chicago", L],
  ]),
  // Hard negatives: engineering text that must stay untouched.
  labelled("Upgrade to version 4.18.2 before 2024-03-01; v10.4.12 is deprecated."),
  labelled("We run the API on EKS with S3 for storage and C4 instances for batch jobs."),
  labelled("Deploy to us-east-1 and eu-west-2 using Terraform 1.6.0."),
  labelled("The request id was 550e8400-e29b-41d4-a716-446655440000 at 12:30:45 UTC."),
  labelled("Revert commit 3f786850e387550fdab836ed7e6dc881de23001b on main."),
  labelled("Order #100234587 shipped; invoice INV-2024-000871 is due on 15/04/2024."),
  labelled("Node listens on 0.0.0.0:8080 and proxies to 10.0.12.7:5432."),
  labelled("Use sha256:9b2cf1e4a3b8c0d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3 as the image digest."),
  labelled("The function getUserAccountSettingsForOrganization returns a Promise<void>."),
  labelled("Set max_tokens to 4096 and temperature to 0.7 for gpt-4o-mini."),
  labelled("Install @types/node@20.11.5 and react-dom@18.2.0 with npm."),
  labelled("The logo is at assets/logo@2x.png and assets/icon@3x.png."),
  labelled("ISBN 978-0-306-40615-7 was cited on page 1234."),
  labelled("Price went from 1,299.00 to 1,499.99 EUR in Q3 2024."),
  labelled("Call stack depth 65536 exceeded at line 1024 column 16."),
  labelled("Run kubectl rollout restart deployment/web -n prod-eu."),
  labelled("Timestamp 1700000000123 corresponds to November 2023."),
  labelled("The hash is d41d8cd98f00b204e9800998ecf8427e for an empty file."),
  labelled("Set NODE_OPTIONS=--max-old-space-size=4096 in CI."),
  labelled("Route 53 and CloudFront cache the static assets."),
  labelled("Ticket PROJ-12345 blocks PROJ-12346 and PROJ-12400."),
  labelled("Error code 0x80070005 means access denied."),
  labelled("Coordinates 52.5200, 13.4050 are shown on the map."),
  labelled("The test suite has 1532 passing and 12 skipped tests."),
  labelled("Use base64 of the string hello: aGVsbG8= in the header."),
  labelled("Bump lodash from 4.17.20 to 4.17.21 in package-lock.json."),
  labelled("Interval 2024-01-01T00:00:00Z/2024-12-31T23:59:59Z covers the year."),
  labelled("The ssh remote is git@github.com:palisade/edge.git for cloning."),
  labelled("MAC address 00:1A:2B:3C:4D:5E belongs to the gateway."),
  labelled("Phone model iPhone 15 Pro costs 999 USD."),
];
