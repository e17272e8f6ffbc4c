//! The institution directory: real test banks, a few real public entries, and generated ones.
//!
//! The list starts with 8860 "Carolina Foothills FCU Credit Card" (the first entry of the real
//! 2012 list), followed by every other institution in ascending id order. Generated entries are
//! deterministic for a given seed and count.

use std::collections::{HashMap, HashSet};

use super::random::Rng;

/// CCBank, the service's test bank.
pub(crate) const CCBANK_ID: u64 = 100_000;

/// One institution with its detail data.
#[derive(Debug, Clone)]
pub(crate) struct Institution {
    pub id: u64,
    pub name: String,
    pub home_url: Option<String>,
    pub phone: Option<String>,
    pub is_virtual: bool,
    pub address: Address,
    pub email: Option<String>,
    pub special_text: Option<String>,
    pub currency: &'static str,
    /// Keys in document order (not display order).
    pub keys: Vec<Key>,
}

/// A postal address; every part is optional (CCBank has only `country`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Address {
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// One login key of an institution (`InstitutionDetail/keys/key`).
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub name: String,
    pub value_length: Option<(u32, u32)>,
    pub display_flag: bool,
    pub display_order: u32,
    pub mask: bool,
    pub instructions: Option<String>,
    pub description: Option<String>,
}

impl Institution {
    /// Returns the name of the shown key that selects the test-bank behaviour: the unmasked shown
    /// key with the lowest display order.
    pub(crate) fn userid_key(&self) -> Option<&str> {
        self.keys
            .iter()
            .filter(|key| key.display_flag && !key.mask)
            .min_by_key(|key| key.display_order)
            .map(|key| key.name.as_str())
    }

    /// Returns the name of the masked shown key with the lowest display order.
    pub(crate) fn password_key(&self) -> Option<&str> {
        self.keys
            .iter()
            .filter(|key| key.display_flag && key.mask)
            .min_by_key(|key| key.display_order)
            .map(|key| key.name.as_str())
    }
}

/// The institution list and an index by id.
#[derive(Debug)]
pub(crate) struct Directory {
    pub list: Vec<Institution>,
    index: HashMap<u64, usize>,
}

impl Directory {
    /// Builds the directory: the fixed institutions plus generated ones up to `count` in total
    /// (the fixed ones are always present, even when `count` is smaller).
    pub(crate) fn new(count: usize, seed: u64) -> Directory {
        let fixed = fixed_institutions();
        let fixed_ids: HashSet<u64> = fixed.iter().map(|institution| institution.id).collect();
        let fixed_names: HashSet<String> = fixed
            .iter()
            .map(|institution| institution.name.clone())
            .collect();
        let mut list = fixed;
        let generated_count = count.saturating_sub(list.len());
        list.extend(generate(generated_count, seed, &fixed_ids, fixed_names));
        list.sort_by_key(|institution| (institution.id != 8860, institution.id));
        let index = list
            .iter()
            .enumerate()
            .map(|(position, institution)| (institution.id, position))
            .collect();
        Directory { list, index }
    }

    /// Renames an institution (CCBank's name varied between captures).
    pub(crate) fn rename(&mut self, id: u64, name: &str) {
        if let Some(position) = self.index.get(&id) {
            self.list[*position].name = name.to_string();
        }
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Institution> {
        self.index.get(&id).map(|position| &self.list[*position])
    }
}

fn key(name: &str, display_order: u32, mask: bool, description: Option<&str>) -> Key {
    Key {
        name: name.to_string(),
        value_length: None,
        display_flag: true,
        display_order,
        mask,
        instructions: None,
        description: description.map(str::to_string),
    }
}

fn ccbank_key(name: &str, display_order: u32, mask: bool, instructions: &str) -> Key {
    Key {
        value_length: Some((1, 20)),
        instructions: Some(instructions.to_string()),
        ..key(name, display_order, mask, Some(name))
    }
}

fn text(value: &str) -> Option<String> {
    Some(value.to_string())
}

fn us_address(
    address1: &str,
    address2: Option<&str>,
    city: &str,
    state: &str,
    zip: &str,
) -> Address {
    Address {
        address1: text(address1),
        address2: address2.map(str::to_string),
        city: text(city),
        state: text(state),
        postal_code: text(zip),
        country: text("USA"),
    }
}

fn login_text(name: &str, user: &str, password: &str) -> Option<String> {
    Some(format!(
        "Please enter your {name} {user} and {password} required for login."
    ))
}

/// Builds a real-looking institution with the two-key `usr_name`/`usr_password` layout of the Chase
/// capture (password listed first).
fn chase_style(id: u64, name: &str, home_url: &str, phone: &str) -> Institution {
    Institution {
        id,
        name: name.to_string(),
        home_url: text(home_url),
        phone: text(phone),
        is_virtual: false,
        address: us_address(
            "P O Box 36520",
            Some("Suite IL1-0291"),
            "Louisville",
            "KY",
            "40233",
        ),
        email: text(
            "http://www.chase.com/cm/cs?pagename=Chase/Href&urlname=chase/cc/contactus/email",
        ),
        special_text: login_text(name, "User ID", "Password"),
        currency: "USD",
        keys: vec![
            key("usr_password", 2, true, Some("Password")),
            key("usr_name", 1, false, Some("User ID")),
        ],
    }
}

/// Returns the institutions whose data is fixed: test banks and public entries that tests use.
fn fixed_institutions() -> Vec<Institution> {
    let ccbank = Institution {
        id: CCBANK_ID,
        name: "CCBank-Beacon".to_string(),
        home_url: text("http://www.intuit.com"),
        phone: None,
        is_virtual: false,
        address: Address {
            country: text("USA"),
            ..Address::default()
        },
        email: text("CustomerCentralBank@intuit.com"),
        special_text: text(
            "Please enter your intuit.com Account Number and Password required for login.",
        ),
        currency: "USD",
        keys: vec![
            ccbank_key("Banking Password", 2, true, "Enter banking password (go)"),
            ccbank_key("Banking Userid", 1, false, "Enter banking userid (demo)"),
        ],
    };
    let hidden_old_password = Key {
        display_flag: false,
        ..ccbank_key(
            "Banking Password Old",
            2,
            true,
            "Enter old banking password",
        )
    };
    let key_order_bank = Institution {
        id: 100_001,
        name: "CCBank1".to_string(),
        keys: vec![
            ccbank_key("Extra Code", 10, false, "Enter the extra code (any)"),
            ccbank_key("Banking Password", 2, true, "Enter banking password (go)"),
            ccbank_key("Banking Userid", 1, false, "Enter banking userid (demo)"),
            ccbank_key("Site Key", 3, false, "Enter the site key (any)"),
            hidden_old_password.clone(),
        ],
        ..ccbank.clone()
    };
    let hidden_key_bank = Institution {
        id: 100_002,
        name: "CCBank2".to_string(),
        keys: vec![
            ccbank_key("Banking Userid", 1, false, "Enter banking userid (demo)"),
            ccbank_key("Banking Password", 2, true, "Enter banking password (go)"),
            hidden_old_password,
            ccbank_key("Site Key", 3, false, "Enter the site key (any)"),
        ],
        ..ccbank.clone()
    };
    let chase = Institution {
        special_text: text(
            "Please enter your JP Morgan Chase Bank User ID and Password required for login.",
        ),
        ..chase_style(
            13278,
            "JP Morgan Chase Bank",
            "https://www.chase.com/",
            "1-877-242-7372",
        )
    };
    let carolina = Institution {
        id: 8860,
        name: "Carolina Foothills FCU Credit Card".to_string(),
        home_url: text("http://www.cffcu.org/index.html"),
        phone: text("1-864-585-6838"),
        is_virtual: false,
        address: us_address(
            "520 North Church Street",
            Some("Post Office Box 1411"),
            "Spartanburg",
            "SC",
            "29304",
        ),
        email: text("http://www.cffcu.org/contactus.html"),
        special_text: login_text("Carolina Foothills FCU Credit Card", "Username", "Password"),
        currency: "USD",
        keys: vec![
            key("Password", 2, true, Some("Password")),
            key("UserName", 1, false, Some("Username")),
        ],
    };
    let bank_of_america = Institution {
        id: 14007,
        name: "Bank of America".to_string(),
        home_url: text("https://www.bankofamerica.com/"),
        phone: text("1-800-432-1000"),
        is_virtual: false,
        address: us_address("100 North Tryon Street", None, "Charlotte", "NC", "28255"),
        email: text("https://www.bankofamerica.com/contactus/contactus.go"),
        special_text: login_text("Bank of America", "Online ID", "Passcode"),
        currency: "USD",
        keys: vec![
            key("Online ID", 1, false, Some("Online ID")),
            key("Passcode", 2, true, Some("Passcode")),
        ],
    };
    let fox_chase = |id: u64, name: &str| Institution {
        address: us_address("4390 Davisville Road", None, "Hatboro", "PA", "19040"),
        email: text("info@foxchasebank.com"),
        keys: vec![
            key("Banking Userid", 1, false, Some("User ID")),
            key("Banking Password", 2, true, Some("Password")),
        ],
        special_text: login_text(name, "User ID", "Password"),
        ..chase_style(id, name, "https://www.foxchasebank.com/", "1-215-682-7400")
    };
    vec![
        ccbank,
        key_order_bank,
        hidden_key_bank,
        chase,
        carolina,
        bank_of_america,
        chase_style(
            13640,
            "Quicken Visa",
            "https://www.quickenvisa.com/",
            "1-800-945-2000",
        ),
        chase_style(
            14554,
            "Chase Bank Credit Card (Amazon.com)",
            "https://www.chase.com/amazon",
            "1-888-247-4080",
        ),
        chase_style(
            14910,
            "Chase e-Funds Card",
            "https://www.e-fundscard.com/",
            "1-888-285-8990",
        ),
        fox_chase(14777, "Fox Chase Bank - Business Banking"),
        fox_chase(13718, "Fox Chase Bank"),
        chase_style(
            14484,
            "Chevy Chase Bank - Web Cash Manager",
            "https://www.chevychasebank.com/",
            "1-800-987-2265",
        ),
        Institution {
            id: 11_250,
            name: "Bennett Savings Bank & Trust".to_string(),
            home_url: text("https://www.bennettsavings.com/"),
            phone: text("1-508-555-0142"),
            is_virtual: false,
            address: us_address("12 Main Street", None, "Bennett", "MA", "01005"),
            email: text("service@bennettsavings.com"),
            special_text: login_text("Bennett Savings Bank & Trust", "User ID", "Password"),
            currency: "USD",
            keys: vec![
                key("Banking Password", 2, true, Some("Password")),
                key("Banking Userid", 1, false, Some("User ID")),
            ],
        },
    ]
}

const PLACES: &[&str] = &[
    "Abilene",
    "Adirondack",
    "Albany",
    "Allegheny",
    "Amarillo",
    "Appalachian",
    "Arrowhead",
    "Ashland",
    "Atlantic",
    "Augusta",
    "Bay Area",
    "Bayou",
    "Beacon",
    "Bellwether",
    "Berkshire",
    "Big Sky",
    "Blue Ridge",
    "Boulder",
    "Brazos",
    "Bridgewater",
    "Brookline",
    "Buckeye",
    "Canyon",
    "Cape Cod",
    "Capitol",
    "Cascade",
    "Cedar Valley",
    "Centennial",
    "Champlain",
    "Chesapeake",
    "Cheyenne",
    "Clearwater",
    "Coastal",
    "Columbia",
    "Cumberland",
    "Dakota",
    "Delta",
    "Desert Hills",
    "Driftless",
    "Eastern Shore",
    "Elk River",
    "Evergreen",
    "Finger Lakes",
    "Flatirons",
    "Frontier",
    "Gateway",
    "Glacier",
    "Golden Valley",
    "Grand Prairie",
    "Granite",
    "Great Lakes",
    "Green Mountain",
    "Gulf Coast",
    "Harbor",
    "Heartland",
    "High Plains",
    "Hill Country",
    "Hudson Valley",
    "Inland Empire",
    "Iron Range",
    "Keystone",
    "Lakeshore",
    "Lone Star",
    "Magnolia",
    "Mesa",
    "Mid-Hudson",
    "Midwest",
    "Mississippi Valley",
    "Mohawk",
    "Monterey",
    "Mountain West",
    "North Country",
    "North Shore",
    "Ohio Valley",
    "Old Dominion",
    "Ozark",
    "Pacific Crest",
    "Palmetto",
    "Panhandle",
    "Piedmont",
    "Pine Belt",
    "Pioneer",
    "Platte River",
    "Prairie",
    "Puget Sound",
    "Red River",
    "Redwood",
    "River Valley",
    "Rockies",
    "Sandhills",
    "Sawtooth",
    "Shenandoah",
    "Sierra",
    "Silver State",
    "Smoky Mountain",
    "Snake River",
    "Sonoran",
    "Southern Tier",
    "Sunbelt",
    "Susquehanna",
    "Tidewater",
    "Treasure Coast",
    "Tri-County",
    "Twin Cities",
    "Upper Peninsula",
    "Wabash",
    "Wasatch",
    "Western Reserve",
    "Willamette",
    "Wiregrass",
    "Yellowstone",
];

const SURNAMES: &[&str] = &[
    "Adams",
    "Baker",
    "Barnes",
    "Bennett",
    "Brooks",
    "Carter",
    "Coleman",
    "Crawford",
    "Dalton",
    "Ellis",
    "Farmers",
    "Fletcher",
    "Foster",
    "Garrison",
    "Hamilton",
    "Harper",
    "Hayes",
    "Holloway",
    "Jennings",
    "Kendall",
    "Lawson",
    "Merchants",
    "Monroe",
    "Morgan",
    "Nolan",
    "Parker",
    "Pearson",
    "Prescott",
    "Reynolds",
    "Sheridan",
    "Stafford",
    "Sterling",
    "Thornton",
    "Turner",
    "Walker",
    "Wheeler",
    "Whitman",
    "Winslow",
];

const STATES: &[&str] = &[
    "AL", "AZ", "CA", "CO", "CT", "FL", "GA", "IA", "ID", "IL", "IN", "KS", "KY", "MA", "MD", "ME",
    "MI", "MN", "MO", "NC", "NE", "NH", "NJ", "NM", "NY", "OH", "OK", "OR", "PA", "SC", "TN", "TX",
    "UT", "VA", "VT", "WA", "WI", "WV",
];

const STREETS: &[&str] = &[
    "Main Street",
    "Market Street",
    "Church Street",
    "Oak Avenue",
    "Commerce Drive",
    "Broadway",
    "Washington Boulevard",
    "Lincoln Way",
    "State Street",
    "Park Place",
];

const CARD_BRANDS: &[&str] = &[
    "Visa Signature",
    "Platinum Mastercard",
    "Rewards Visa",
    "Cash Back Card",
    "Travel Card",
];

const KEY_STYLES: &[(&str, &str, &str, &str)] = &[
    ("Banking Userid", "Banking Password", "User ID", "Password"),
    ("UserName", "Password", "Username", "Password"),
    ("usr_name", "usr_password", "User ID", "Password"),
    ("Online ID", "Passcode", "Online ID", "Passcode"),
    ("Login ID", "PIN", "Login ID", "PIN"),
    ("Member Number", "Password", "Member Number", "Password"),
];

/// Returns a plausible institution name and whether its home URL should be a hosted page on a
/// "chase" domain (so that a search for "Chase" also finds non-name matches).
fn generate_name(rng: &mut Rng) -> String {
    let place = *rng.pick(PLACES);
    let surname = *rng.pick(SURNAMES);
    let state = *rng.pick(STATES);
    match rng.below(16) {
        0 => format!("{place} Federal Credit Union"),
        1 => format!("{place} FCU Credit Card"),
        2 => format!("{surname} Savings Bank"),
        3 => format!("{surname} Savings Bank & Trust"),
        4 => format!("First National Bank of {place}"),
        5 => format!("{place} Community Bank ({state})"),
        6 => format!("{place} {}", rng.pick(CARD_BRANDS)),
        7 => format!("{surname} Investments - Brokerage"),
        8 => format!("{surname} & {} Securities", rng.pick(SURNAMES)),
        9 => format!("{place} Teachers Credit Union"),
        10 => format!("{place} State Bank"),
        11 => format!("{surname} Trust Company - Wealth Management"),
        12 => format!("{place} Schools FCU"),
        13 => format!("{surname} Bank & Trust ({state})"),
        14 => format!("{place} Bank - Business Banking"),
        _ => format!("{place} Employees Credit Union"),
    }
}

fn slug(name: &str) -> String {
    name.chars()
        .filter(|character| character.is_ascii_alphanumeric())
        .map(|character| character.to_ascii_lowercase())
        .take(24)
        .collect()
}

/// Generates `count` institutions with ids from 1000 upwards that avoid `reserved`, and names
/// that differ from each other and from `names`.
fn generate(
    count: usize,
    seed: u64,
    reserved: &HashSet<u64>,
    mut names: HashSet<String>,
) -> Vec<Institution> {
    let mut rng = Rng::new(seed ^ 0x1A57_17D7);
    let mut list = Vec::with_capacity(count);
    let mut id = 1000u64;
    while list.len() < count {
        id += 1 + rng.below(4);
        if reserved.contains(&id) || (CCBANK_ID..CCBANK_ID + 1000).contains(&id) {
            continue;
        }
        let mut name = generate_name(&mut rng);
        if names.contains(&name) {
            name = format!("{name} ({})", id % 997);
        }
        if !names.insert(name.clone()) {
            name = format!("{name} #{id}");
            names.insert(name.clone());
        }
        list.push(generate_one(id, name, &mut rng));
    }
    list
}

fn generate_one(id: u64, name: String, rng: &mut Rng) -> Institution {
    let domain = format!("{}.com", slug(&name));
    let home_url = if rng.chance(8) {
        None
    } else if rng.chance(1) {
        Some(format!("https://www.chasepartnercards.com/{}", slug(&name)))
    } else {
        Some(format!("https://www.{domain}/"))
    };
    let phone = if rng.chance(12) {
        None
    } else {
        let extension = if rng.chance(3) {
            format!(" x{}", 100 + rng.below(900))
        } else {
            String::new()
        };
        Some(format!(
            "1-{}-{}-{:04}{extension}",
            200 + rng.below(800),
            200 + rng.below(800),
            rng.below(10_000)
        ))
    };
    let state = (*rng.pick(STATES)).to_string();
    let address = Address {
        address1: Some(format!("{} {}", 1 + rng.below(9000), rng.pick(STREETS))),
        address2: if rng.chance(20) {
            Some(format!("Post Office Box {}", 1 + rng.below(5000)))
        } else {
            None
        },
        city: Some((*rng.pick(PLACES)).to_string()),
        state: Some(state),
        postal_code: Some(format!("{:05}", rng.below(100_000))),
        country: Some("USA".to_string()),
    };
    let email = if rng.chance(50) {
        Some(format!("support@{domain}"))
    } else {
        Some(format!("https://www.{domain}/contact?topic=online&lang=en"))
    };
    let (user_name, password_name, user_label, password_label) = *rng.pick(KEY_STYLES);
    let mut keys = vec![
        key(password_name, 2, true, Some(password_label)),
        key(user_name, 1, false, Some(user_label)),
    ];
    if rng.chance(50) {
        keys.reverse();
    }
    if rng.chance(5) {
        keys.push(key("Account Number", 3, false, Some("Account Number")));
    }
    let currency = if rng.chance(2) { "CAD" } else { "USD" };
    Institution {
        id,
        special_text: login_text(&name, user_label, password_label),
        name,
        home_url,
        phone,
        is_virtual: rng.chance(2),
        address,
        email,
        currency,
        keys,
    }
}

#[cfg(test)]
mod tests {
    use super::Directory;

    #[test]
    fn default_count_and_order() {
        let directory = Directory::new(18_716, 1);

        assert_eq!(directory.list.len(), 18_716);
        assert_eq!(directory.list[0].id, 8860);
        let ids: Vec<u64> = directory.list[1..].iter().map(|entry| entry.id).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn generation_is_deterministic() {
        let first = Directory::new(500, 7);
        let second = Directory::new(500, 7);

        let names = |directory: &Directory| {
            directory
                .list
                .iter()
                .map(|entry| entry.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&first), names(&second));
        assert_ne!(names(&first), names(&Directory::new(500, 8)));
    }

    #[test]
    fn small_count_keeps_fixed_entries() {
        let directory = Directory::new(3, 1);

        assert!(directory.get(100_000).is_some());
        assert!(directory.get(13278).is_some());
        assert_eq!(directory.list.len(), 13);
    }
}
