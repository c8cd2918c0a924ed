//! Who is in a live room: the participants this node holds and those held through other nodes
//! only, each with their latest presence. The room's bound, the welcome and the participants
//! page are read from here; storing and sending are the room's.

use std::collections::HashMap;

use axum::extract::ws::Utf8Bytes;
use collabkit_webhooks::{CollabKitRoom, WebhookUser};
use serde_json::Value;

use super::messages::{JoinError, ParticipantSnapshot};
use super::protocol::{self, ParticipantView, ServerMessage, WelcomeV2};

/// A participant's latest presence, with the `presence` frame that tells it, encoded once and
/// shared by every connection it goes to (the live fan-out and the newcomers owed it).
#[derive(Default)]
pub struct Presence {
    pub value: Value,
    /// `None` while the presence is null.
    pub frame: Option<Utf8Bytes>,
}

impl Presence {
    pub fn new(value: Value, frame: Utf8Bytes) -> Presence {
        Presence {
            value,
            frame: Some(frame),
        }
    }

    /// The presence another node's `participant_joined` carries, with a frame of its own.
    pub fn from_remote(user_id: &str, value: Value) -> Presence {
        if value.is_null() {
            return Presence::default();
        }
        let frame = ServerMessage::Presence {
            user_id,
            presence: &value,
            color: protocol::color(user_id),
        }
        .encode();
        Presence::new(value, frame)
    }
}

/// A participant this node holds.
pub struct Participant {
    pub user: WebhookUser,
    pub presence: Presence,
    /// Set while the user has no connection and the leave grace runs.
    pub leaving: Option<u64>,
}

#[derive(Default)]
pub struct Roster {
    pub participants: HashMap<String, Participant>,
    /// Participants connected through other nodes only, with their presence.
    pub remote: HashMap<String, (WebhookUser, Presence)>,
}

impl Roster {
    /// Whether `user_id` may join: already a participant (here or through another node), or
    /// the room has fewer than `max` (`--room-max-participants`). Those in their leave grace
    /// count: the room still holds them.
    pub fn has_place(&self, user_id: &str, max: usize) -> Result<(), JoinError> {
        self.has_place_beside(user_id, max, &[])
    }

    /// [`has_place`](Self::has_place), with `joining` (users not participants here, whose
    /// joins are being stored) counted as if they were.
    pub fn has_place_beside(
        &self,
        user_id: &str,
        max: usize,
        joining: &[String],
    ) -> Result<(), JoinError> {
        let known = self.participants.contains_key(user_id)
            || self.remote.contains_key(user_id)
            || joining.iter().any(|id| id == user_id);
        let extra = joining
            .iter()
            .filter(|id| !self.remote.contains_key(*id))
            .count();
        if known || self.count() + extra < max {
            Ok(())
        } else {
            Err(JoinError::Full(max))
        }
    }

    /// Participants here and through other nodes only (a user held by both counts once).
    fn count(&self) -> usize {
        let elsewhere = self
            .remote
            .keys()
            .filter(|id| !self.participants.contains_key(*id));
        self.participants.len() + elsewhere.count()
    }

    /// The `presence` frame of a participant (here, or else through another node), if any.
    pub fn presence_frame(&self, user_id: &str) -> Option<&Utf8Bytes> {
        match self.participants.get(user_id) {
            Some(p) => p.presence.frame.as_ref(),
            None => self.remote.get(user_id).and_then(|(_, p)| p.frame.as_ref()),
        }
    }

    /// The welcome of a connection of `user_id`: the room, the user, and every other
    /// participant (here and through other nodes) by user id. Presences are inlined while
    /// they add up to `budget` bytes at most; the others are null, and those users are
    /// returned as owed (last first): their presences follow as frames of their own as the
    /// queue drains. So a welcome is at most the participants' users plus the budget, never
    /// every participant's presence at once.
    pub fn welcome(
        &self,
        room: &CollabKitRoom,
        user_id: &str,
        mut budget: usize,
        v2: Option<WelcomeV2<'_>>,
    ) -> (Utf8Bytes, Vec<String>) {
        static NULL: Value = Value::Null;
        let mut others: Vec<(&WebhookUser, &Presence)> = self
            .participants
            .iter()
            .filter(|(id, _)| id.as_str() != user_id)
            .map(|(_, p)| (&p.user, &p.presence))
            .chain(
                self.remote
                    .iter()
                    .filter(|(id, _)| !self.participants.contains_key(*id))
                    .map(|(_, (u, p))| (u, p)),
            )
            .collect();
        others.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let mut owed = Vec::new();
        let participants = others
            .into_iter()
            .map(|(user, presence)| {
                let presence = match &presence.frame {
                    None => &NULL,
                    Some(frame) if frame.len() <= budget => {
                        budget -= frame.len();
                        &presence.value
                    }
                    Some(_) => {
                        owed.push(user.id.clone());
                        &NULL
                    }
                };
                ParticipantView {
                    user,
                    presence,
                    color: protocol::color(&user.id),
                }
            })
            .collect();
        let welcome = ServerMessage::Welcome {
            id: v2.and_then(|v| v.id),
            resumed: v2.map(|v| v.resumed),
            room,
            user: &self.participants[user_id].user,
            color: protocol::color(user_id),
            participants,
            follows: v2.map(|v| v.follows),
        }
        .encode();
        owed.reverse();
        (welcome, owed)
    }

    /// A page of the participants held here, by user id: those after `after`, at most
    /// `limit`, whether more follow, and how many there are in all. Only the page's presences
    /// are copied: a page is bounded like a welcome is.
    pub fn page(
        &self,
        after: Option<&str>,
        limit: usize,
        connections: impl Fn(&str) -> usize,
    ) -> (Vec<ParticipantSnapshot>, bool, usize) {
        let mut ids: Vec<&String> = self
            .participants
            .keys()
            .filter(|id| after.is_none_or(|a| id.as_str() > a))
            .collect();
        ids.sort();
        let more = ids.len() > limit;
        let page = ids
            .into_iter()
            .take(limit)
            .map(|id| {
                let p = &self.participants[id];
                ParticipantSnapshot {
                    user: p.user.clone(),
                    presence: p.presence.value.clone(),
                    connections: connections(id),
                }
            })
            .collect();
        (page, more, self.participants.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> WebhookUser {
        WebhookUser {
            id: id.into(),
            room_id: "room_1".into(),
            name: id.into(),
            profile_picture: None,
            custom_id: None,
            status: collabkit_webhooks::UserStatus::Online,
            created_at: "2026-01-01T00:00:00Z".into(),
            joined_at: None,
            left_at: None,
        }
    }

    fn here(roster: &mut Roster, id: &str, presence: Value) {
        let frame = ServerMessage::Presence {
            user_id: id,
            presence: &presence,
            color: protocol::color(id),
        }
        .encode();
        let p = Participant {
            user: user(id),
            presence: Presence::new(presence, frame),
            leaving: None,
        };
        roster.participants.insert(id.into(), p);
    }

    #[test]
    fn the_bound_counts_users_held_elsewhere_once() {
        let mut roster = Roster::default();
        here(&mut roster, "usr_a", Value::Null);
        let elsewhere = (user("usr_b"), Presence::default());
        roster.remote.insert("usr_b".into(), elsewhere);
        // Held both here and elsewhere: one participant.
        let both = (user("usr_a"), Presence::default());
        roster.remote.insert("usr_a".into(), both);
        assert!(roster.has_place("usr_c", 3).is_ok());
        assert!(matches!(
            roster.has_place("usr_c", 2),
            Err(JoinError::Full(2))
        ));
        assert!(
            roster.has_place("usr_b", 2).is_ok(),
            "already a participant"
        );
    }

    #[test]
    fn a_welcome_inlines_presences_up_to_its_budget_and_owes_the_rest() {
        let mut roster = Roster::default();
        let big = serde_json::json!({"note": "x".repeat(100)});
        for id in ["usr_a", "usr_b", "usr_c"] {
            here(&mut roster, id, big.clone());
        }
        here(&mut roster, "usr_me", Value::Null);
        let room = CollabKitRoom {
            id: "room_1".into(),
            account_id: "acc_1".into(),
            name: "r".into(),
            custom_id: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            state: collabkit_webhooks::RoomState::Active,
            duration_seconds: 0,
            active_participants: 4,
            total_users_created: 4,
        };
        let one = roster.participants["usr_a"]
            .presence
            .frame
            .as_ref()
            .unwrap()
            .len();
        let (welcome, owed) = roster.welcome(&room, "usr_me", one, None);
        let welcome: Value = serde_json::from_str(&welcome).unwrap();
        let listed: Vec<(&str, bool)> = welcome["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["user"]["id"].as_str().unwrap(), p["presence"].is_null()))
            .collect();
        assert_eq!(
            listed,
            [("usr_a", false), ("usr_b", true), ("usr_c", true)],
            "by user id, the first presence inlined"
        );
        assert_eq!(owed, ["usr_c", "usr_b"], "last first");
    }
}
