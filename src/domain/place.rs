//! Where a session meets, in a word: its venue's town, or `online`. Signposting shows schools
//! this much of a session's whereabouts, never a joining link.

use crate::domain::{Postcode, SessionMode};

/// What an online session shows for its place.
pub const ONLINE: &str = "online";

/// The place of a session: `online`, or the town of a face-to-face session's venue address
/// (`None` when the address names none).
pub fn place_of(mode: SessionMode, venue_address: Option<&str>) -> Option<String> {
    match mode {
        SessionMode::Online => Some(ONLINE.to_owned()),
        SessionMode::FaceToFace => venue_address.and_then(town),
    }
}

/// The town of an address: its last comma-separated part with words in it, less a postcode
/// written at its end ("Twyford Crescent, London W3 9PP" → "London").
pub fn town(address: &str) -> Option<String> {
    address.rsplit(',').find_map(|part| {
        let words: Vec<&str> = part.split_whitespace().collect();
        let town_words = words.len() - postcode_words(&words);
        (town_words > 0).then(|| words[..town_words].join(" "))
    })
}

/// How many of the last words of `words` spell a postcode: two ("W3 9PP"), one ("W39PP") or none.
fn postcode_words(words: &[&str]) -> usize {
    let spells_postcode = |count: usize| {
        words.len() >= count && Postcode::parse(&words[words.len() - count..].join(" ")).is_ok()
    };
    [2, 1]
        .into_iter()
        .find(|&count| spells_postcode(count))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_town_is_the_last_part_of_the_address() {
        for (address, expected) in [
            ("Twyford Crescent, London", Some("London")),
            ("Twyford Crescent, London W3 9PP", Some("London")),
            ("1 High Street, Stroud, GL5 1AA", Some("Stroud")),
            ("1 High Street, Stroud,  ", Some("Stroud")),
            ("Gloucestershire", Some("Gloucestershire")),
            ("Chipping  Campden", Some("Chipping Campden")),
            ("W3 9PP", None),
            ("", None),
        ] {
            assert_eq!(town(address).as_deref(), expected, "{address}");
        }
    }

    #[test]
    fn an_online_session_is_online_wherever_its_venue() {
        assert_eq!(
            place_of(SessionMode::Online, Some("Twyford Crescent, London")).as_deref(),
            Some("online")
        );
        assert_eq!(
            place_of(SessionMode::FaceToFace, Some("Twyford Crescent, London")).as_deref(),
            Some("London")
        );
        assert_eq!(place_of(SessionMode::FaceToFace, None), None);
    }
}
