//! Parser throughput on a mix of real device messages, next to
//! `syslog_loose` (the parser Vector uses) and `syslog_rfc5424` on the same
//! inputs.
//!
//! `syslog_rfc5424` only reads RFC 5424, so it gets the RFC 5424 part of
//! the mix as a group of its own, where all three parsers run.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logkeep::parse::{ParseOptions, parse};

const RFC5424: &[&str] = &[
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"] An application event log entry...",
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for user1 on /dev/pts/8",
    "<78>1 2016-01-15T00:04:01+00:00 host1 CROND 10391 - [meta sequenceId=\"29\"] some_message",
    "<29>1 2018-05-14T08:23:01.520Z leyal_test4 mgd 13894 UI_CHILD_EXITED [junos@2636.1.1.1.2.57 pid=\"14374\" return-value=\"5\" core-dump-status=\"\" command=\"/usr/sbin/mustd\"]",
    "<14>1 2021-06-15T02:35:28.123456+00:00 host-example-1 - - - - 1,2021/06/15 02:35:28,007200001056,TRAFFIC,end,1210,2021/06/15 02:35:28,192.168.41.30,192.168.41.255,10.193.16.193",
    "<134>1 2019-01-20T23:43:41.087236Z 172.16.3.1 NAT 15634 SADD [nsess SSUBIX=\"0\" SVLAN=\"0\" IATYP=\"IPv4\" ISADDR=\"172.16.1.2\" ISPORT=\"6303\"] <type 'str'>",
];

const RFC3164: &[&str] = &[
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for user1 on /dev/pts/8",
    "<13>Feb 13 20:07:26 74794bfb6795 root[8539]: i am foobar",
    "<133>Jan 13 16:33:35 haproxy[73411]: Proxy sticky-servers started.",
    "<4>Jan 26 05:59:54 ubnt kernel: [WAN_LOCAL-default-D]IN=eth0 OUT= MAC=b4:fb:00:00:00:00:00:00:00:00:00:00:08:00 SRC=192.0.2.121 DST=198.51.100.1 LEN=60 TOS=0x00 PROTO=TCP SPT=46146 DPT=4433",
    "<190>Dec 28 16:49:07 user1-thinkpad-x220 nginx: 127.0.0.1 - - [28/Dec/2019:16:49:07 +0000] \"GET / HTTP/1.1\" 304 0 \"-\" \"Mozilla/5.0\"",
    "<166>000123: host-example-1: 6340004: Jun 15 02:35:28: %SEC-6-IPACCESSLOGP: list INET-BLOCK permitted tcp 192.168.20.252(55244) -> 10.54.3.178(44818), 1 packet",
    "<164>Oct 26 15:19:25 192.0.2.4 %ASA-4-106023: Deny udp src DRAC:10.1.2.3/43434 dst outside:192.168.0.1/53 by access-group \"acl_drac\" [0x0, 0x0]",
    "<27>Jun 15 02:35:28 filterlog: 82,,,1000002666,mvneta2,match,pass,out,6,0x00,0x00000,64,ICMPv6,58,8,host-example-2,",
];

fn mix() -> Vec<&'static str> {
    RFC5424.iter().chain(RFC3164).copied().collect()
}

fn bytes(inputs: &[&str]) -> u64 {
    inputs.iter().map(|input| input.len() as u64).sum()
}

fn run_group(c: &mut Criterion, name: &str, inputs: &[&'static str], with_rfc5424_crate: bool) {
    let options = ParseOptions::new(Utc.with_ymd_and_hms(2024, 6, 20, 12, 0, 0).unwrap());
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes(inputs)));
    group.bench_function("logkeep", |b| {
        b.iter(|| {
            for input in inputs {
                black_box(parse(black_box(input.as_bytes()), &options));
            }
        })
    });
    group.bench_function("syslog_loose", |b| {
        b.iter(|| {
            for input in inputs {
                black_box(syslog_loose::parse_message(
                    black_box(input),
                    syslog_loose::Variant::Either,
                ));
            }
        })
    });
    if with_rfc5424_crate {
        group.bench_function("syslog_rfc5424", |b| {
            b.iter(|| {
                for input in inputs {
                    let _ = black_box(syslog_rfc5424::parse_message(black_box(*input)));
                }
            })
        });
    }
    group.finish();
}

fn parser(c: &mut Criterion) {
    run_group(c, "mix", &mix(), false);
    run_group(c, "rfc5424", RFC5424, true);
}

criterion_group!(benches, parser);
criterion_main!(benches);
