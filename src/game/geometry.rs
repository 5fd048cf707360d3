//! Segment tests for things that fly: where a moving point or circle first meets a wall, the
//! map's edge or a circle. Shared by the arena's bullets and the bot's line-of-fire checks.
//!
//! Owns: the geometry only. Must not: know about players, bullets or ticks.

use super::map::Map;
use super::map::Wall;
use super::movement::wall_bounds;

/// The fraction `0..=1` of the segment `from + t * delta` at which a circle of `radius` moving
/// along it first touches `wall`, 0 if it starts touching it; `None` if it never does. How
/// bullets meet walls, and how a bot tells whether a shot is clear.
pub fn segment_touches_wall(
    from: (f32, f32),
    delta: (f32, f32),
    wall: &Wall,
    radius: f32,
) -> Option<f32> {
    let (min_x, min_y, max_x, max_y) = wall_bounds(wall);
    segment_enters_box(
        from,
        delta,
        (min_x - radius, min_y - radius),
        (max_x + radius, max_y + radius),
    )
}

/// The fraction `0..=1` of the segment `from + t * delta` at which it first touches the box,
/// 0 if it starts inside it.
fn segment_enters_box(
    from: (f32, f32),
    delta: (f32, f32),
    min: (f32, f32),
    max: (f32, f32),
) -> Option<f32> {
    let (mut enter, mut exit) = (0.0f32, 1.0f32);
    for (start, step, low, high) in [
        (from.0, delta.0, min.0, max.0),
        (from.1, delta.1, min.1, max.1),
    ] {
        if step.abs() < 1e-6 {
            if start < low || start > high {
                return None;
            }
            continue;
        }
        let (a, b) = ((low - start) / step, (high - start) / step);
        enter = enter.max(a.min(b));
        exit = exit.min(a.max(b));
        if enter > exit {
            return None;
        }
    }
    Some(enter)
}

/// The fraction `0..=1` of the segment at which its point leaves the map, if it does.
pub fn segment_leaves_map(map: &Map, from: (f32, f32), delta: (f32, f32)) -> Option<f32> {
    let mut leave: Option<f32> = None;
    for (start, step, size) in [
        (from.0, delta.0, f32::from(map.width)),
        (from.1, delta.1, f32::from(map.height)),
    ] {
        let t = if step > 0.0 {
            (size - start) / step
        } else if step < 0.0 {
            -start / step
        } else {
            continue;
        };
        if t < 1.0 {
            let t = t.max(0.0);
            leave = Some(leave.map_or(t, |l| l.min(t)));
        }
    }
    leave
}

/// The fraction `0..=1` of the segment at which it first comes within `radius` of `centre`,
/// 0 if it starts within.
pub fn segment_hits_circle(
    from: (f32, f32),
    delta: (f32, f32),
    centre: (f32, f32),
    radius: f32,
) -> Option<f32> {
    let (fx, fy) = (from.0 - centre.0, from.1 - centre.1);
    let outside = fx * fx + fy * fy - radius * radius;
    if outside <= 0.0 {
        return Some(0.0);
    }
    let a = delta.0 * delta.0 + delta.1 * delta.1;
    let b = fx * delta.0 + fy * delta.1;
    if a <= 0.0 || b >= 0.0 {
        return None;
    }
    let discriminant = b * b - a * outside;
    if discriminant < 0.0 {
        return None;
    }
    let t = (-b - discriminant.sqrt()) / a;
    (t <= 1.0).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_meet_boxes_and_circles() {
        assert_eq!(
            segment_enters_box((0.0, 5.0), (20.0, 0.0), (10.0, 0.0), (12.0, 10.0)),
            Some(0.5)
        );
        assert_eq!(
            segment_enters_box((0.0, 15.0), (20.0, 0.0), (10.0, 0.0), (12.0, 10.0)),
            None
        );
        assert_eq!(
            segment_enters_box((11.0, 5.0), (20.0, 0.0), (10.0, 0.0), (12.0, 10.0)),
            Some(0.0)
        );
        assert_eq!(
            segment_hits_circle((0.0, 0.0), (10.0, 0.0), (8.0, 0.0), 2.0),
            Some(0.6)
        );
        assert_eq!(
            segment_hits_circle((0.0, 0.0), (10.0, 0.0), (8.0, 3.0), 2.0),
            None
        );
        assert_eq!(
            segment_hits_circle((0.0, 0.0), (-10.0, 0.0), (8.0, 0.0), 2.0),
            None
        );
    }
}
