//! What a live room hears besides its own connections: another node's news about the room,
//! and the deletion of a user or of the room itself (here or on another node).

// Through the room's own imports only: this file knows its parent, nothing else.
use super::{CLOSE_REMOVED, News, Presence, RoomActor, ServerMessage};

impl RoomActor {
    /// Another node's news: its participants are remembered (for the welcome of this node's
    /// joiners) and the frame goes to this node's connections — except joins and leaves of a
    /// user this node also holds, which this node's connections already saw or must not see.
    pub(super) async fn remote(&mut self, news: News) {
        let roster = &mut self.roster;
        let frame = match news {
            News::Joined {
                user_id,
                user,
                presence,
                frame,
            } => {
                let held_here = roster.participants.contains_key(&user_id);
                let presence = Presence::from_remote(&user_id, presence);
                roster.remote.insert(user_id, (user, presence));
                if held_here {
                    return;
                }
                frame
            }
            News::Left { user_id, frame } => {
                roster.remote.remove(&user_id);
                if roster.participants.contains_key(&user_id) {
                    return;
                }
                frame
            }
            News::Presence {
                user_id,
                presence,
                frame,
            } => {
                let presence = || Presence::new(presence.clone(), frame.clone());
                if let Some((_, p)) = roster.remote.get_mut(&user_id) {
                    *p = presence();
                }
                if let Some(p) = roster.participants.get_mut(&user_id) {
                    p.presence = presence();
                }
                frame
            }
            News::Broadcast { frame } => frame,
            News::Targeted { to, frame } => {
                self.send_to(&to, frame, None).await;
                return;
            }
            News::Follow {
                follow,
                following,
                frame,
            } => {
                self.apply_follow(follow, following);
                self.send_v2(frame, None).await;
                return;
            }
            News::Lifecycle { frame } | News::Store { frame } => {
                self.send_v2(frame, None).await;
                return;
            }
            News::Removed { user_id } => {
                self.forget(user_id.as_deref()).await;
                return;
            }
        };
        self.send_all(frame, None).await;
    }

    /// Drops a deleted user (or, with `None`, everyone of a deleted room) from the live room
    /// without storing anything: the deletion's transaction ended their participation. A
    /// connection that joined between `RemoveUser`/`Close` and that commit is closed here; one
    /// that joins after it fails, since the user or room is gone from the store.
    pub(super) async fn forget(&mut self, user_id: Option<&str>) {
        // The deletion removed the user's follows, both ways.
        if let (Some(u), Some(set)) = (user_id, &mut self.follows) {
            set.retain(|f| f.follower_id != u && f.user_id != u);
        }
        let roster = &self.roster;
        let (gone, reason): (Vec<String>, &'static str) = match user_id {
            Some(u) => (vec![u.to_owned()], "user deleted"),
            None => (
                roster.participants.keys().cloned().collect(),
                "room deleted",
            ),
        };
        // Participants held by other nodes only: this node's connections are told they left.
        let remote_gone: Vec<String> = match user_id {
            Some(u) => roster
                .remote
                .contains_key(u)
                .then(|| u.to_owned())
                .into_iter()
                .collect(),
            None => roster.remote.keys().cloned().collect(),
        };
        for user_id in remote_gone {
            if let Some((user, _)) = self.roster.remote.remove(&user_id) {
                let left = ServerMessage::ParticipantLeft { user: &user }.encode();
                self.send_all(left, None).await;
            }
        }
        for user_id in gone {
            let Some(p) = self.roster.participants.remove(&user_id) else {
                continue;
            };
            self.links.close_user(&user_id, CLOSE_REMOVED, reason);
            let left = ServerMessage::ParticipantLeft { user: &p.user }.encode();
            self.send_all(left, None).await;
        }
    }
}
