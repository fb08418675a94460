//! Tests of the Azure Functions trace reader: small files in the three formats.
use super::*;

const INV_HEADER: &str = "HashOwner,HashApp,HashFunction,Trigger,1,2,3\n";
const DUR_HEADER: &str = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100";
const MEM_HEADER: &str = "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100";

fn inv(text: &str) -> String {
    parse_invocations(Path::new("inv.csv"), text.as_bytes())
        .unwrap_err()
        .to_string()
}

fn dur(rows: &str) -> String {
    parse_durations(
        Path::new("dur.csv"),
        format!("{DUR_HEADER}\n{rows}").as_bytes(),
    )
    .unwrap_err()
    .to_string()
}

fn mem(rows: &str) -> String {
    parse_memory(
        Path::new("mem.csv"),
        format!("{MEM_HEADER}\n{rows}").as_bytes(),
    )
    .unwrap_err()
    .to_string()
}

fn duration(p: [f64; 7]) -> AzureDuration {
    AzureDuration {
        average_ms: 1.0,
        count: 1,
        minimum_ms: p[0],
        maximum_ms: p[6],
        percentiles_ms: std::array::from_fn(|i| (DURATION_PERCENTILES[i], p[i])),
    }
}

#[test]
fn three_functions_with_durations_and_memory_joined_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let (i, d, m) = (
        dir.path().join("invocations_per_function_md.anon.d01.csv"),
        dir.path()
            .join("function_durations_percentiles.anon.d01.csv"),
        dir.path().join("app_memory_percentiles.anon.d01.csv"),
    );
    std::fs::write(
        &i,
        format!(
            "{INV_HEADER}o1,a1,f1,http,0,5,12\no1,a1,f2,timer,1,1,1.0\no2,a2,f3,queue,7,0,4294967295\n"
        ),
    )
    .unwrap();
    // An extra column (ignored); a row of a function not in the invocations (ignored); f2 has
    // no row; f3's negative average and minimum are as in the public trace's glitches.
    std::fs::write(
        &d,
        format!(
            "{DUR_HEADER},Note\n\
             o9,a9,f9,1,1,1,1,1,1,1,1,1,1,1,not invoked\n\
             o1,a1,f1,250.5,17,3,2000,3,4,100,200,400,1900,2000,x\n\
             o2,a2,f3,-41692,8.0,-1027768,9,0,0,0,1,2,8,9,glitch\n"
        ),
    )
    .unwrap();
    // Columns in another order; no row for app a2.
    std::fs::write(
        &m,
        "AverageAllocatedMb,HashApp,HashOwner,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100,SampleCount\n\
         130.5,a1,o1,100,101,120,130,140,150,160,170,288\n\
         64,a9,o9,60,60,60,60,60,60,60,70,1\n",
    )
    .unwrap();
    let got = read_azure_trace(&i, Some(&d), Some(&m)).unwrap();
    let f1_duration = AzureDuration {
        average_ms: 250.5,
        count: 17,
        minimum_ms: 3.0,
        maximum_ms: 2000.0,
        percentiles_ms: [
            (0.0, 3.0),
            (1.0, 4.0),
            (25.0, 100.0),
            (50.0, 200.0),
            (75.0, 400.0),
            (99.0, 1900.0),
            (100.0, 2000.0),
        ],
    };
    let f3_duration = AzureDuration {
        average_ms: -41692.0,
        count: 8,
        minimum_ms: -1027768.0,
        maximum_ms: 9.0,
        percentiles_ms: [
            (0.0, 0.0),
            (1.0, 0.0),
            (25.0, 0.0),
            (50.0, 1.0),
            (75.0, 2.0),
            (99.0, 8.0),
            (100.0, 9.0),
        ],
    };
    let a1_memory = AzureMemory {
        sample_count: 288,
        average_mb: 130.5,
        percentiles_mb: [
            (1.0, 100.0),
            (5.0, 101.0),
            (25.0, 120.0),
            (50.0, 130.0),
            (75.0, 140.0),
            (95.0, 150.0),
            (99.0, 160.0),
            (100.0, 170.0),
        ],
    };
    let function = |o: &str, a: &str, f: &str, t: &str, n: [u32; 3]| AzureFunction {
        owner: o.into(),
        app: a.into(),
        function: f.into(),
        trigger: t.into(),
        per_minute: n.to_vec(),
        duration: None,
        memory_mb: None,
    };
    let want = AzureTrace {
        minutes: 3,
        functions: vec![
            AzureFunction {
                duration: Some(f1_duration),
                memory_mb: Some(a1_memory.clone()),
                ..function("o1", "a1", "f1", "http", [0, 5, 12])
            },
            AzureFunction {
                memory_mb: Some(a1_memory),
                ..function("o1", "a1", "f2", "timer", [1, 1, 1])
            },
            AzureFunction {
                duration: Some(f3_duration),
                ..function("o2", "a2", "f3", "queue", [7, 0, u32::MAX])
            },
        ],
    };
    assert_eq!(got, want);
    // Without the durations and memory files, nothing is joined.
    let bare = read_azure_trace(&i, None, None).unwrap();
    assert_eq!(bare.minutes, 3);
    assert!(
        bare.functions
            .iter()
            .all(|f| f.duration.is_none() && f.memory_mb.is_none())
    );
    assert_eq!(bare.functions[2].per_minute, [7, 0, u32::MAX]);
    // An error in the durations file names that file.
    std::fs::write(&d, format!("{DUR_HEADER}\no1,a1,f1,1,1,1,1,1,1,1,1,1,1\n")).unwrap();
    let e = read_azure_trace(&i, Some(&d), Some(&m)).unwrap_err();
    assert_eq!(e.path(), d);
    assert!(
        e.to_string()
            .contains(":2: Azure Functions durations: the row has 13 fields but the header has 14"),
        "{e}"
    );
}

#[test]
fn bad_invocation_files_name_the_line_and_the_fix() {
    let e = inv("HashOwner,HashApp,HashFunction,Trigger,1,3\no,a,f,http,1,2\n");
    assert_eq!(
        e,
        "inv.csv:1: Azure Functions invocations: column 6 is `3` where minute column `2` belongs; the columns after `Trigger` are the minutes 1, 2, ..., N in order: add the missing minute column or correct its name"
    );
    let e = inv("HashOwner,HashApp,HashFunction,Trigger\no,a,f,http\n");
    assert_eq!(
        e,
        "inv.csv:1: Azure Functions invocations: no minute columns after `Trigger`; the header goes on `Trigger,1,2,...,N`, one column per minute"
    );
    let e = inv(&format!(
        "{INV_HEADER}o,a,f,http,1,2,3\no,a,g,http,1,-1,3\n"
    ));
    assert_eq!(
        e,
        "inv.csv:3: Azure Functions invocations: minute column `2`: `-1` is negative; write the number of invocations in that minute, a whole number ≥ 0 (0 if none)"
    );
    let e = inv(&format!("{INV_HEADER}o,a,f,http,1,2,2.5\n"));
    assert_eq!(
        e,
        "inv.csv:2: Azure Functions invocations: minute column `3`: `2.5` is not a whole number; write the number of invocations in that minute, a whole number ≥ 0 (0 if none)"
    );
    let e = inv(&format!("{INV_HEADER}o,a,f,http,,2,3\n"));
    assert_eq!(
        e,
        "inv.csv:2: Azure Functions invocations: minute column `1` is empty; write the number of invocations in that minute, a whole number ≥ 0 (0 if none)"
    );
    let e = inv(&format!("{INV_HEADER}o,a,f,http,1,4294967296,3\n"));
    assert!(
        e.starts_with(
            "inv.csv:2: Azure Functions invocations: minute column `2`: `4294967296` is too large;"
        ),
        "{e}"
    );
    let e = inv(&format!(
        "{INV_HEADER}o,a,f,http,1,2,3\no,a,g,timer,0,0,0\no,a,f,http,4,5,6\n"
    ));
    assert_eq!(
        e,
        "inv.csv:4: Azure Functions invocations: the function (HashOwner o, HashApp a, HashFunction f) already has a row, on line 2; a function has one row: remove or merge the duplicate"
    );
    let e = inv("HashOwner,HashFunction,Trigger,1\no,f,http,1\n");
    assert_eq!(
        e,
        "inv.csv:1: Azure Functions invocations: the header has no column `HashApp`; an invocations file (invocations_per_function_md.anon.dNN.csv) has the header `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`: is this the right file?"
    );
    let e = inv(&format!("{INV_HEADER}o,,f,http,1,2,3\n"));
    assert_eq!(
        e,
        "inv.csv:2: Azure Functions invocations: HashApp is empty; every row names its HashOwner, HashApp, HashFunction (hashes in the public trace): fill it in or remove the row"
    );
    let e = inv(&format!("{INV_HEADER}o,a,f,http,1,2\n"));
    assert_eq!(
        e,
        "inv.csv:2: Azure Functions invocations: the row has 6 fields but the header has 7; each row is HashOwner,HashApp,HashFunction,Trigger and one invocation count per minute column"
    );
    let e = inv(INV_HEADER);
    assert!(
        e.starts_with("inv.csv:1: Azure Functions invocations: the file has no function rows;"),
        "{e}"
    );
}

#[test]
fn bad_duration_files_name_the_line_and_the_fix() {
    let e = dur("o,a,f,1,1,1,1,1,1,1,1,1,1,1\no,a,g,1,1,1,1,3,4,3,5,6,7,8\n");
    assert_eq!(
        e,
        "dur.csv:3: Azure Functions durations: percentile_Average_25 (3) is less than percentile_Average_1 (4); percentiles must not decrease from column to column: correct the row or remove it"
    );
    let e = parse_durations(
        Path::new("dur.csv"),
        DUR_HEADER.replace(",Count", "").as_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "dur.csv:1: Azure Functions durations: the header has no column `Count`; a durations file (function_durations_percentiles.anon.dNN.csv) has the columns HashOwner, HashApp, HashFunction, Average, Count, Minimum, Maximum and percentile_Average_0, _1, _25, _50, _75, _99, _100: is this the right file?"
    );
    // Keys are checked for duplicates whether or not the invocations have them.
    let e = dur("o,a,f,1,1,1,1,1,1,1,1,1,1,1\no,a,f,2,2,2,2,2,2,2,2,2,2,2\n");
    assert_eq!(
        e,
        "dur.csv:3: Azure Functions durations: the function (HashOwner o, HashApp a, HashFunction f) already has a row, on line 2; a function has one row: remove the duplicate"
    );
    let e = dur("o,a,f,1,1,1,1,-1,1,1,1,1,1,1\n");
    assert_eq!(
        e,
        "dur.csv:2: Azure Functions durations: column `percentile_Average_0`: `-1` is negative; write a number of milliseconds ≥ 0"
    );
    let e = dur("o,a,f,1,1.5,1,1,1,1,1,1,1,1,1\n");
    assert_eq!(
        e,
        "dur.csv:2: Azure Functions durations: column `Count`: `1.5` is not a whole number; write the number of executions, a whole number ≥ 0"
    );
    let e = dur("o,a,f,x,1,1,1,1,1,1,1,1,1,1\n");
    assert_eq!(
        e,
        "dur.csv:2: Azure Functions durations: column `Average`: `x` is not a number; write a number of milliseconds"
    );
}

#[test]
fn bad_memory_files_name_the_line_and_the_fix() {
    let e = parse_memory(
        Path::new("mem.csv"),
        MEM_HEADER
            .replace(",AverageAllocatedMb_pct95", "")
            .as_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "mem.csv:1: Azure Functions app memory: the header has no column `AverageAllocatedMb_pct95`; an app memory file (app_memory_percentiles.anon.dNN.csv) has the columns HashOwner, HashApp, SampleCount, AverageAllocatedMb and AverageAllocatedMb_pct1, _pct5, _pct25, _pct50, _pct75, _pct95, _pct99, _pct100: is this the right file?"
    );
    let e = mem("o,a,1,1,1,1,1,1,1,1,1,1\no,a,1,1,1,1,1,1,1,1,1,1\n");
    assert_eq!(
        e,
        "mem.csv:3: Azure Functions app memory: the app (HashOwner o, HashApp a) already has a row, on line 2; an app has one row: remove the duplicate"
    );
    let e = mem("o,a,1,1,1,2,3,4,5,6,7,6.5\n");
    assert_eq!(
        e,
        "mem.csv:2: Azure Functions app memory: AverageAllocatedMb_pct100 (6.5) is less than AverageAllocatedMb_pct99 (7); percentiles must not decrease from column to column: correct the row or remove it"
    );
    let e = mem("o,a,-3,1,1,1,1,1,1,1,1,1\n");
    assert_eq!(
        e,
        "mem.csv:2: Azure Functions app memory: column `SampleCount`: `-3` is negative; write the number of samples, a whole number ≥ 0"
    );
    let e = mem("o,a,3,-1,1,1,1,1,1,1,1,1\n");
    assert_eq!(
        e,
        "mem.csv:2: Azure Functions app memory: column `AverageAllocatedMb`: `-1` is negative; write a number of megabytes ≥ 0"
    );
}

#[test]
fn lognormal_fit_by_hand() {
    // p25 = 100 ms = 0.1 s, p75 = 400 ms = 0.4 s: mu = (ln 0.1 + ln 0.4) / 2 = ln 0.2 =
    // -1.6094379124341003; sigma = (ln 0.4 - ln 0.1) / (2 · 0.6744897501960817)
    // = ln 4 / 1.3489795003921634 = 1.027661547649078.
    let (mu, sigma) = duration([3.0, 4.0, 100.0, 200.0, 400.0, 1900.0, 2000.0])
        .lognormal_fit()
        .unwrap();
    assert!((mu - -1.609_437_912_434_100_3).abs() < 1e-12, "{mu}");
    assert!((sigma - 1.027_661_547_649_078).abs() < 1e-12, "{sigma}");
    // p25 = p50 = p75 = 50 ms: (ln 0.05, 0) = (-2.995732273553991, 0).
    let (mu, sigma) = duration([10.0, 20.0, 50.0, 50.0, 50.0, 90.0, 99.0])
        .lognormal_fit()
        .unwrap();
    assert!((mu - -2.995_732_273_553_991).abs() < 1e-12, "{mu}");
    assert_eq!(sigma, 0.0);
    // p25 = 0 < p50 = 1 ms, p75 = 2 ms: the median and p75: mu = ln 0.001 =
    // -6.907755278982137, sigma = ln 2 / 0.6744897501960817 = 1.027661547649078.
    let (mu, sigma) = duration([0.0, 0.0, 0.0, 1.0, 2.0, 5.0, 9.0])
        .lognormal_fit()
        .unwrap();
    assert!((mu - -6.907_755_278_982_137).abs() < 1e-12, "{mu}");
    assert!((sigma - 1.027_661_547_649_078).abs() < 1e-12, "{sigma}");
    // No positive median: no fit.
    assert_eq!(
        duration([0.0, 0.0, 0.0, 0.0, 5.0, 9.0, 9.0]).lognormal_fit(),
        None
    );
}

#[test]
fn a_long_row_of_minutes_fits_the_line_cap() {
    // A day of 1440 minutes with six-digit counts: about 10 KB a row.
    let header: Vec<String> = (1..=1440).map(|m| m.to_string()).collect();
    let counts = vec!["151835"; 1440].join(",");
    let text = format!(
        "HashOwner,HashApp,HashFunction,Trigger,{}\no,a,f,http,{counts}\n",
        header.join(",")
    );
    let got = parse_invocations(Path::new("inv.csv"), text.as_bytes()).unwrap();
    assert_eq!(got.minutes, 1440);
    assert_eq!(got.functions[0].per_minute, vec![151_835; 1440]);
}
