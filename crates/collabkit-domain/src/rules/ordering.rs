//! Ordered delivery per room (`/webhooks/{id}/ordering`): which delivery of a (registration,
//! room) pair may be attempted, and which room number a delivery announces as the one before
//! it. Decided here once; each backend keeps the pair's state and applies these plans.
//!
//! The pair's state is two numbers: the room number of the newest event of the room the
//! registration matched (the next delivery's `collabkit-room-previous-seq`), and its head, the
//! one delivery of the pair that is claimable. Every other pending delivery of the pair waits,
//! with no due time, in the pair's queue (by room number); when the head ends (`success` or
//! `failed`) the lowest waiting one becomes the head. So "no delivery of the pair with a lower
//! number is pending, retrying or in flight" holds by construction: a claim only ever sees
//! heads, and a blocked room costs the claim nothing.

/// How a registration's deliveries are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ordering {
    /// No order: every delivery is attempted as soon as it is due (the default).
    #[default]
    None,
    /// Per room: one delivery of a room in flight at a time, in the room's order.
    PerRoom,
}

impl Ordering {
    pub const ALL: [Ordering; 2] = [Ordering::None, Ordering::PerRoom];

    pub fn as_str(self) -> &'static str {
        match self {
            Ordering::None => "none",
            Ordering::PerRoom => "per_room",
        }
    }

    pub fn parse(s: &str) -> Option<Ordering> {
        Ordering::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The stored code (`webhooks.ordering`).
    pub fn code(self) -> i64 {
        match self {
            Ordering::None => 0,
            Ordering::PerRoom => 1,
        }
    }

    pub fn from_code(code: i64) -> Ordering {
        if code == 1 {
            Ordering::PerRoom
        } else {
            Ordering::None
        }
    }

    /// The message of a 400 for a mode that is not one of these.
    pub fn refused(got: &str) -> String {
        let allowed: Vec<String> = Ordering::ALL
            .iter()
            .map(|o| format!("\"{}\"", o.as_str()))
            .collect();
        format!("mode must be one of {} (got {got:?})", allowed.join(", "))
    }
}

/// A pair's state as stored, read under the pair's lock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairState {
    /// The room number of the newest event of the room this registration matched (0: none).
    pub last_room_seq: i64,
    /// Whether the pair has a head now (a delivery that may be attempted).
    pub has_head: bool,
}

/// What fan-out does with one new delivery of an ordered registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewOrdered {
    /// The room number it announces as the previous one.
    pub previous_room_seq: i64,
    /// Whether it is the pair's head (claimable now) or waits in the pair's queue.
    pub head: bool,
}

/// Plans the new deliveries of one pair, given in the room's order (their room numbers
/// increasing): each announces the number before it, the first becomes the head when the pair
/// has none, the others wait. Returns the plans and the pair's state after them.
pub fn plan_fanout(pair: PairState, room_seqs: &[i64]) -> (Vec<NewOrdered>, PairState) {
    let mut state = pair;
    let plans = room_seqs
        .iter()
        .map(|&seq| {
            let plan = NewOrdered {
                previous_room_seq: state.last_room_seq,
                head: !state.has_head,
            };
            state.has_head = true;
            state.last_room_seq = state.last_room_seq.max(seq);
            plan
        })
        .collect();
    (plans, state)
}

/// Whether a delivery re-queued by hand (a retry, a recover, a replay) goes at once: only when
/// its pair has no head (otherwise it waits its turn in the pair's queue, by room number, so a
/// manual retry never overtakes the head in flight).
pub fn requeued_goes_now(pair: PairState) -> bool {
    !pair.has_head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_are_named_in_the_refusal() {
        assert_eq!(Ordering::parse("per_room"), Some(Ordering::PerRoom));
        assert_eq!(Ordering::parse("none"), Some(Ordering::None));
        assert_eq!(Ordering::parse("fifo"), None);
        let msg = Ordering::refused("fifo");
        assert!(
            msg.contains("\"per_room\"") && msg.contains("\"none\""),
            "{msg}"
        );
        for o in Ordering::ALL {
            assert_eq!(Ordering::from_code(o.code()), o);
        }
    }

    #[test]
    fn the_first_new_delivery_of_an_idle_pair_is_its_head_and_the_rest_wait() {
        let (plans, after) = plan_fanout(PairState::default(), &[1, 2, 5]);
        assert_eq!(
            plans,
            vec![
                NewOrdered {
                    previous_room_seq: 0,
                    head: true
                },
                NewOrdered {
                    previous_room_seq: 1,
                    head: false
                },
                NewOrdered {
                    previous_room_seq: 2,
                    head: false
                },
            ]
        );
        assert_eq!(
            after,
            PairState {
                last_room_seq: 5,
                has_head: true
            }
        );
    }

    #[test]
    fn a_busy_pair_queues_every_new_delivery() {
        let busy = PairState {
            last_room_seq: 7,
            has_head: true,
        };
        let (plans, after) = plan_fanout(busy, &[9]);
        assert_eq!(
            plans,
            vec![NewOrdered {
                previous_room_seq: 7,
                head: false
            }]
        );
        assert_eq!(after.last_room_seq, 9);
        assert!(!requeued_goes_now(busy));
        assert!(requeued_goes_now(PairState::default()));
    }
}
