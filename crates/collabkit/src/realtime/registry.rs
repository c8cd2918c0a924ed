//! A room's connections: whose each one is, its send queue, what it is still owed, and the
//! `connections` gauge. Every way a connection leaves the room goes through here, so "close it,
//! forget it, count it off" is written once.

use std::collections::{HashMap, HashSet};

use prometheus_client::metrics::gauge::Gauge;

use super::outlet::Outlet;

/// One connection, as the room sees it.
pub struct Link {
    pub user_id: String,
    /// `None` once let go (see [`Registry::detach`]): its socket is closing and it is offered
    /// nothing more, but it is counted until [`Registry::remove`].
    pub outlet: Option<Outlet>,
    /// Users whose presence the welcome left out, last first: sent as `presence` frames as
    /// the connection's queue drains (see `RoomActor::catch_up`).
    pub owed: Vec<String>,
    /// Whether it speaks version 2 of the protocol (and gets its frames: follows, users'
    /// lifecycle).
    pub v2: bool,
}

pub struct Registry {
    links: HashMap<u64, Link>,
    /// Each user's connections that are not let go.
    by_user: HashMap<String, HashSet<u64>>,
    /// Open realtime connections, process-wide.
    gauge: Gauge,
}

impl Registry {
    pub fn new(gauge: Gauge) -> Registry {
        Registry {
            links: HashMap::new(),
            by_user: HashMap::new(),
            gauge,
        }
    }

    /// Counts a new connection of `user_id`.
    pub fn add(
        &mut self,
        connection: u64,
        user_id: &str,
        outlet: Outlet,
        owed: Vec<String>,
        v2: bool,
    ) {
        self.gauge.inc();
        self.by_user
            .entry(user_id.to_owned())
            .or_default()
            .insert(connection);
        let link = Link {
            user_id: user_id.to_owned(),
            outlet: Some(outlet),
            owed,
            v2,
        };
        self.links.insert(connection, link);
    }

    /// The user a connection belongs to.
    pub fn owner(&self, connection: u64) -> Option<&str> {
        self.links.get(&connection).map(|l| l.user_id.as_str())
    }

    /// A connection's queue, unless it was let go.
    pub fn outlet(&self, connection: u64) -> Option<&Outlet> {
        self.links.get(&connection)?.outlet.as_ref()
    }

    pub fn get_mut(&mut self, connection: u64) -> Option<&mut Link> {
        self.links.get_mut(&connection)
    }

    /// How many connections `user_id` has open (those let go not included).
    pub fn count(&self, user_id: &str) -> usize {
        self.by_user.get(user_id).map_or(0, HashSet::len)
    }

    /// The connection is gone: forgotten and counted off. Returns its user.
    pub fn remove(&mut self, connection: u64) -> Option<String> {
        let link = self.links.remove(&connection)?;
        self.gauge.dec();
        self.unlist(connection, &link.user_id);
        Some(link.user_id)
    }

    /// Drops a connection's queue, which closes its socket; it stays counted until `remove`.
    pub fn detach(&mut self, connection: u64) {
        if let Some(link) = self.links.get_mut(&connection) {
            link.outlet = None;
            let user_id = link.user_id.clone();
            self.unlist(connection, &user_id);
        }
    }

    /// Closes every connection of `user_id` with `code`: forgotten and counted off.
    pub fn close_user(&mut self, user_id: &str, code: u16, reason: &'static str) {
        for connection in self.by_user.remove(user_id).unwrap_or_default() {
            if let Some(link) = self.links.remove(&connection) {
                close(link, code, reason);
                self.gauge.dec();
            }
        }
    }

    /// Closes every connection with `code`: forgotten and counted off.
    pub fn close_all(&mut self, code: u16, reason: &'static str) {
        self.by_user.clear();
        for (_, link) in self.links.drain() {
            close(link, code, reason);
            self.gauge.dec();
        }
    }

    /// The queues of every connection not let go, but `except`.
    pub fn outlets(&self, except: Option<u64>) -> impl Iterator<Item = (u64, &Outlet)> {
        self.links
            .iter()
            .filter(move |(id, _)| Some(**id) != except)
            .filter_map(|(id, l)| Some((*id, l.outlet.as_ref()?)))
    }

    /// The queues of version 2 connections, but `except`.
    pub fn v2_outlets(&self, except: Option<u64>) -> impl Iterator<Item = (u64, &Outlet)> {
        self.links
            .iter()
            .filter(move |(id, l)| l.v2 && Some(**id) != except)
            .filter_map(|(id, l)| Some((*id, l.outlet.as_ref()?)))
    }

    /// The queues of the connections of `users`, but `except`.
    pub fn outlets_of<'a>(
        &'a self,
        users: &'a [String],
        except: Option<u64>,
    ) -> impl Iterator<Item = (u64, &'a Outlet)> + 'a {
        users
            .iter()
            .filter_map(|u| self.by_user.get(u))
            .flatten()
            .filter(move |id| Some(**id) != except)
            .filter_map(|id| Some((*id, self.links.get(id)?.outlet.as_ref()?)))
    }

    fn unlist(&mut self, connection: u64, user_id: &str) {
        if let Some(set) = self.by_user.get_mut(user_id) {
            set.remove(&connection);
            if set.is_empty() {
                self.by_user.remove(user_id);
            }
        }
    }
}

fn close(link: Link, code: u16, reason: &'static str) {
    if let Some(outlet) = link.outlet {
        outlet.close(code, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::outlet::{self, Outbound, QueueMetrics};

    fn outlet() -> (Outlet, outlet::Drain) {
        outlet::channel(
            8,
            1000,
            QueueMetrics {
                queued_bytes: Gauge::default(),
                too_slow: Default::default(),
            },
        )
    }

    #[tokio::test]
    async fn every_way_out_counts_the_connection_off_once() {
        let gauge = Gauge::default();
        let mut r = Registry::new(gauge.clone());
        let (a, mut drain_a) = outlet();
        let (b, _drain_b) = outlet();
        let (c, _drain_c) = outlet();
        r.add(1, "u1", a, vec![], false);
        r.add(2, "u1", b, vec![], true);
        r.add(3, "u2", c, vec![], false);
        assert_eq!(
            r.v2_outlets(None).map(|(id, _)| id).collect::<Vec<_>>(),
            [2]
        );
        let mut of: Vec<u64> = r
            .outlets_of(&["u1".to_owned()], Some(1))
            .map(|(id, _)| id)
            .collect();
        of.sort();
        assert_eq!(of, [2]);
        assert_eq!(gauge.get(), 3);
        assert_eq!((r.count("u1"), r.owner(3)), (2, Some("u2")));

        r.detach(2);
        assert_eq!(r.count("u1"), 1, "let go: no longer offered frames");
        assert_eq!(r.outlets(None).count(), 2);
        assert_eq!(gauge.get(), 3, "still counted until removed");
        assert_eq!(r.remove(2).as_deref(), Some("u1"));
        assert_eq!(r.remove(2), None);
        assert_eq!(gauge.get(), 2);

        r.close_user("u1", 4001, "user deleted");
        assert_eq!((r.count("u1"), r.owner(1), gauge.get()), (0, None, 1));
        assert!(matches!(
            drain_a.recv().await,
            Some(Outbound::Close(4001, _))
        ));

        assert_eq!(r.outlets(Some(3)).count(), 0);
        r.close_all(1001, "server shutting down");
        assert_eq!((r.count("u2"), gauge.get()), (0, 0));
    }
}
