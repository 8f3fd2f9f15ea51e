use duckduckgoose::lessons;
use duckduckgoose::view::timeline::{Budget, Timeline};
#[test]
fn probe() {
    let only = std::env::var("LESSON").unwrap_or_default();
    for lesson in lessons::all() {
        if !lesson.id.contains(&only) {
            continue;
        }
        let (mut tl, _) = Timeline::load(lesson.text, 0, Budget::default()).unwrap();
        let caps = tl.captions().to_vec();
        println!("== {}", lesson.id);
        for (k, (t, text)) in caps.iter().enumerate() {
            tl.seek(*t);
            let sim = tl.sim();
            let fl: Vec<String> = sim
                .in_flight()
                .map(|m| format!("{}{}>{}", m.msg.kind().name(), m.from + 1, m.to + 1))
                .collect();
            let roles: Vec<String> = sim
                .nodes()
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    format!(
                        "n{}:{}/{}{}",
                        i + 1,
                        if sim.is_alive(i as u32) {
                            n.role().name()
                        } else {
                            "dead"
                        },
                        n.term(),
                        n.lease_until()
                            .map_or(String::new(), |l| format!(" lease{}", l))
                    )
                })
                .collect();
            println!(
                "step {} t={} {}\n   roles {:?}\n   inflight {:?}",
                k + 1,
                t,
                &text[..text.len().min(90)],
                roles,
                fl
            );
        }
    }
}
