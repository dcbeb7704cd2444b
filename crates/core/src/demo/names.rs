//! Word lists for the demo book: company and person names, industries, countries, titles.

use crate::book::RelationshipRole;
use rand::Rng;

pub const INDUSTRIES: &[&str] = &[
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Logistics",
    "Media",
    "Telecommunications",
    "Energy",
    "Insurance",
    "Real Estate",
];

pub const COUNTRIES: &[&str] = &[
    "United States",
    "United States",
    "United States",
    "United Kingdom",
    "Germany",
    "France",
    "Canada",
    "Netherlands",
    "Australia",
    "Sweden",
    "Spain",
    "Japan",
    "Brazil",
    "India",
];

pub const PRODUCTS: &[&str] = &[
    "Sherpa Cloud Standard",
    "Sherpa Cloud Professional",
    "Sherpa Cloud Enterprise",
];

const PREFIXES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Massive",
    "Pied",
    "Gringotts",
    "Oscorp",
    "Nakatomi",
    "Dunder",
    "Prestige",
    "Sterling",
    "Blue",
    "Red",
    "Green",
    "North",
    "Summit",
    "Harbor",
    "Cedar",
    "Granite",
    "Silver",
    "Atlas",
    "Nimbus",
    "Vertex",
    "Quantum",
    "Orbit",
    "Pioneer",
    "Beacon",
    "Falcon",
    "Maple",
];

const SUFFIXES: &[&str] = &[
    "Labs",
    "Systems",
    "Industries",
    "Analytics",
    "Health",
    "Logistics",
    "Media",
    "Foods",
    "Energy",
    "Partners",
    "Software",
    "Robotics",
    "Bank",
    "Insurance",
    "Retail",
    "Networks",
    "Studios",
    "Group",
];

const FIRST: &[&str] = &[
    "Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
    "Liam", "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Wei", "Yara", "Zoe",
];

const LAST: &[&str] = &[
    "Alvarez", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka",
    "Walker",
];

pub fn pick<'a, T, R: Rng>(items: &'a [T], rng: &mut R) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn word<R: Rng>(items: &[&'static str], rng: &mut R) -> &'static str {
    items[rng.random_range(0..items.len())]
}

/// A unique company name and domain for an account index.
pub fn company<R: Rng>(index: usize, rng: &mut R) -> (String, String) {
    let p = pick(PREFIXES, rng);
    let s = pick(SUFFIXES, rng);
    let name = format!("{p} {s} {}", index + 1);
    let domain = format!(
        "{}-{}-{}.example.com",
        p.to_lowercase(),
        s.to_lowercase(),
        index + 1
    );
    (name, domain)
}

pub fn person<R: Rng>(rng: &mut R) -> (&'static str, &'static str) {
    (*pick(FIRST, rng), *pick(LAST, rng))
}

pub fn title_for<R: Rng>(roles: &[RelationshipRole], rng: &mut R) -> &'static str {
    if roles.contains(&RelationshipRole::EconomicBuyer) {
        word(
            &[
                "VP Operations",
                "Chief Revenue Officer",
                "CFO",
                "VP Marketing",
            ],
            rng,
        )
    } else if roles.contains(&RelationshipRole::Champion) {
        word(
            &[
                "Director of Operations",
                "Head of Marketing Ops",
                "Program Manager",
            ],
            rng,
        )
    } else {
        word(
            &[
                "Analyst",
                "Team Lead",
                "Systems Administrator",
                "Specialist",
            ],
            rng,
        )
    }
}

pub fn summary<R: Rng>(kind: crate::book::ActivityKind, rng: &mut R) -> &'static str {
    use crate::book::ActivityKind::*;
    match kind {
        Call => word(
            &[
                "Check-in on adoption of reporting",
                "Reviewed open support cases",
                "Discussed renewal timeline",
            ],
            rng,
        ),
        Meeting => word(
            &[
                "Working session on integrations",
                "Roadmap preview with the team",
                "Training follow-up",
            ],
            rng,
        ),
        Email => word(
            &[
                "Sent best-practice guide",
                "Shared usage summary for last month",
                "Followed up on action items",
            ],
            rng,
        ),
        Qbr => "Quarterly business review: goals, value delivered, next-quarter plan",
        Kickoff => "Kickoff: the team met, goals and success metrics agreed",
        Training => "Initial product training for the customer's users",
        _ => word(
            &[
                "Champion mentioned budget pressure",
                "Customer asked about SSO",
                "Internal note after health review",
            ],
            rng,
        ),
    }
}
