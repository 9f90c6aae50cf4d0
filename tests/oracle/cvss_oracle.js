// Oracle comparison for embargo's CVSS scoring (parsers/cvss*.cpp).
//
// Generates CVSS v3.0, v3.1 and v4.0 vectors (every base vector of each
// version plus seeded random vectors carrying optional temporal / threat /
// environmental / supplemental metrics, v3.x ones often in shuffled order),
// scores them with our `cvss_score` program and with the independent
// ae-cvss-calculator npm package, and reports every difference in base score
// or severity. It also mutates valid vectors into invalid ones (missing,
// duplicate, unknown or misordered metrics, bad values, empty segments, wrong
// prefixes, garbage) and checks that ours refuses each with a message naming
// the offending metric.
//
// ae-cvss-calculator's v4.0 scoring follows FIRST's reference calculator
// including its 2024 rounding fix; its "base" for v4.0 includes threat and
// environmental metrics, so v4.0 vectors are reduced to their base metrics
// before it scores them (CVSS-B), which is what our base_score is.
//
// Usage: node cvss_oracle.js --bin PATH/cvss_score --modules DIR
//          [--random N] [--seed S] [--no-exhaustive] [--write-table FILE]
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { createRequire } = require('module');

function parseArgs(argv) {
    const args = { random: 3000, seed: null, exhaustive: true, bin: null, modules: null, table: null };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--random') args.random = Number(next());
        else if (a === '--seed') args.seed = Number(next());
        else if (a === '--no-exhaustive') args.exhaustive = false;
        else if (a === '--bin') args.bin = next();
        else if (a === '--modules') args.modules = next();
        else if (a === '--write-table') args.table = next();
        else throw new Error(`unknown argument ${a}`);
    }
    if (!args.bin || !args.modules) throw new Error('--bin and --modules are required');
    if (args.seed === null) args.seed = Math.floor(Math.random() * 2 ** 31);
    return args;
}

// Small seeded PRNG (mulberry32) so that a failing run can be repeated.
function prng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// Metric tables, written from the FIRST specifications (v3.1 Table 15,
// v4.0 Table 23) independently of the C++ ones.
const V3 = [
    ['AV', 'NALP', true], ['AC', 'LH', true], ['PR', 'NLH', true], ['UI', 'NR', true],
    ['S', 'UC', true], ['C', 'HLN', true], ['I', 'HLN', true], ['A', 'HLN', true],
    ['E', 'XHFPU'], ['RL', 'XUWTO'], ['RC', 'XCRU'], ['CR', 'XHML'], ['IR', 'XHML'],
    ['AR', 'XHML'], ['MAV', 'XNALP'], ['MAC', 'XLH'], ['MPR', 'XNLH'], ['MUI', 'XNR'],
    ['MS', 'XUC'], ['MC', 'XHLN'], ['MI', 'XHLN'], ['MA', 'XHLN'],
].map(([name, vals, base]) => ({ name, values: vals.split(''), base: !!base }));

const V4 = [
    ['AV', 'NALP', true], ['AC', 'LH', true], ['AT', 'NP', true], ['PR', 'NLH', true],
    ['UI', 'NPA', true], ['VC', 'HLN', true], ['VI', 'HLN', true], ['VA', 'HLN', true],
    ['SC', 'HLN', true], ['SI', 'HLN', true], ['SA', 'HLN', true],
    ['E', 'XAPU'], ['CR', 'XHML'], ['IR', 'XHML'], ['AR', 'XHML'], ['MAV', 'XNALP'],
    ['MAC', 'XLH'], ['MAT', 'XNP'], ['MPR', 'XNLH'], ['MUI', 'XNPA'], ['MVC', 'XHLN'],
    ['MVI', 'XHLN'], ['MVA', 'XHLN'], ['MSC', 'XHLN'], ['MSI', 'XSHLN'], ['MSA', 'XSHLN'],
    ['S', 'XNP'], ['AU', 'XNY'], ['R', 'XAUI'], ['V', 'XDC'], ['RE', 'XLMH'],
].map(([name, vals, base]) => ({ name, values: vals.split(''), base: !!base }));
V4.push({ name: 'U', values: ['X', 'Clear', 'Green', 'Amber', 'Red'], base: false });

const VERSIONS = [
    { prefix: 'CVSS:3.0', metrics: V3, anyOrder: true },
    { prefix: 'CVSS:3.1', metrics: V3, anyOrder: true },
    { prefix: 'CVSS:4.0', metrics: V4, anyOrder: false },
];

// Vectors the table always carries: FIRST's v3.1 examples document, v4.0
// vectors discussed with the reference calculator's maintainers (rounding
// ties that its 2024 fix moved up, X values), and edge cases.
const PINNED = [
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
    'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N',
    'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N',
    'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N',
    'CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N',
    'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    'CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N',
    'CVSS:3.0/A:L/I:L/C:N/S:C/AV:N/UI:N/PR:L/AC:H',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N',
    'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H',
    'CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:H/SI:H/SA:H',
    'CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N',
    'CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:H/CR:X',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MAV:P/U:Red',
    'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/MSA:S/S:P/AU:Y',
];

function pick(rand, arr) {
    return arr[Math.floor(rand() * arr.length)];
}

function shuffle(rand, arr) {
    for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
}

function* allBaseVectors(ver) {
    const base = ver.metrics.filter((m) => m.base);
    const idx = new Array(base.length).fill(0);
    while (true) {
        yield ver.prefix + '/' + base.map((m, i) => `${m.name}:${m.values[idx[i]]}`).join('/');
        let k = base.length - 1;
        while (k >= 0 && ++idx[k] === base[k].values.length) idx[k--] = 0;
        if (k < 0) return;
    }
}

function randomSegments(rand, ver) {
    const segs = [];
    for (const m of ver.metrics) {
        if (m.base || rand() < 0.3) segs.push(`${m.name}:${pick(rand, m.values)}`);
    }
    if (ver.anyOrder && rand() < 0.5) shuffle(rand, segs);
    return segs;
}

function randomVector(rand, ver) {
    return ver.prefix + '/' + randomSegments(rand, ver).join('/');
}

// A mutated, invalid vector and a string our error message must contain.
function invalidVector(rand, ver) {
    const segs = randomSegments(rand, ver);
    const names = segs.map((s) => s.split(':')[0]);
    const baseIdx = names.map((n, i) => [n, i]).filter(([n]) => ver.metrics.find((m) => m.name === n).base);
    const kind = Math.floor(rand() * 10);
    switch (kind) {
        case 0: {  // a base metric left out
            const [n, i] = pick(rand, baseIdx);
            segs.splice(i, 1);
            return [ver.prefix + '/' + segs.join('/'), `'${n}'`];
        }
        case 1: {  // a metric given twice
            const i = Math.floor(rand() * segs.length);
            segs.splice(Math.floor(rand() * (segs.length + 1)), 0, segs[i]);
            return [ver.prefix + '/' + segs.join('/'), `'${names[i]}'`];
        }
        case 2: {  // unknown value
            const i = Math.floor(rand() * segs.length);
            const bad = pick(rand, ['Q', '', 'n', 'HH', 'x', '0', 'Nn', 'Clear ']);
            segs[i] = `${names[i]}:${bad}`;
            return [ver.prefix + '/' + segs.join('/'), `'${names[i]}'`];
        }
        case 3: {  // unknown metric
            const n = pick(rand, ['ZZ', 'Au', 'av', 'CVSS', 'M', 'XX', 'SCOPE']);
            segs.splice(Math.floor(rand() * (segs.length + 1)), 0, `${n}:N`);
            return [ver.prefix + '/' + segs.join('/'), `'${n}'`];
        }
        case 4: {  // trailing '/'
            return [ver.prefix + '/' + segs.join('/') + '/', `'${names[names.length - 1]}'`];
        }
        case 5: {  // empty segment
            const i = 1 + Math.floor(rand() * (segs.length - 1));
            segs.splice(i, 0, '');
            return [ver.prefix + '/' + segs.join('/'), `'${names[i - 1]}'`];
        }
        case 6: {  // lower-case prefix
            return [ver.prefix.toLowerCase() + '/' + segs.join('/'), ver.prefix];
        }
        case 7: {  // segment that is no METRIC:VALUE
            segs.splice(Math.floor(rand() * (segs.length + 1)), 0, 'junk');
            return [ver.prefix + '/' + segs.join('/'), "'junk'"];
        }
        case 8: {  // v4.0: two base metrics swapped; v3.x: unsupported version
            if (!ver.anyOrder) {
                const i = Math.floor(rand() * 10);
                [segs[i], segs[i + 1]] = [segs[i + 1], segs[i]];
                return [ver.prefix + '/' + segs.join('/'), `'${names[i + 1]}'`];
            }
            return ['CVSS:3.2/' + segs.join('/'), "'3.2'"];
        }
        default: {  // 10 kB of garbage after a valid vector
            let junk = '';
            while (junk.length < 10240) junk += String.fromCharCode(33 + Math.floor(rand() * 94));
            return [ver.prefix + '/' + segs.join('/') + junk, 'bytes long'];
        }
    }
}

function severity(score) {
    if (score === 0) return 'none';
    if (score <= 3.9) return 'low';
    if (score <= 6.9) return 'medium';
    if (score <= 8.9) return 'high';
    return 'critical';
}

function oracleScore(ae, vector) {
    if (vector.startsWith('CVSS:4.0/')) {
        // CVSS-B: base metrics only.
        const baseNames = new Set(V4.filter((m) => m.base).map((m) => m.name));
        const base = vector.split('/').slice(1).filter((s) => baseNames.has(s.split(':')[0]));
        const s = new ae.Cvss4P0('CVSS:4.0/' + base.join('/')).calculateScores().overall;
        return s;
    }
    const cls = vector.startsWith('CVSS:3.0/') ? ae.Cvss3P0 : ae.Cvss3P1;
    return new cls(vector).calculateScores().base;
}

function runOurs(bin, lines) {
    const r = spawnSync(bin, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 30 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${bin} exited with ${r.status}: ${r.stderr}`);
    const out = r.stdout.toString().split('\n');
    out.pop();
    if (out.length !== lines.length) {
        throw new Error(`${bin} answered ${out.length} lines for ${lines.length} vectors`);
    }
    return out.map((l) => {
        const parts = l.split('\t');
        return { score: parts[parts.length - 2], rest: parts[parts.length - 1] };
    });
}

function main() {
    const args = parseArgs(process.argv.slice(2));
    const ae = createRequire(path.join(path.resolve(args.modules), 'package.json'))('ae-cvss-calculator');
    const aeVersion = JSON.parse(
        fs.readFileSync(path.join(args.modules, 'node_modules/ae-cvss-calculator/package.json'), 'utf8'),
    ).version;
    const rand = prng(args.seed);
    console.log(`cvss oracle: ae-cvss-calculator ${aeVersion}, seed ${args.seed}, ` +
        `${args.random} random vectors per version, exhaustive base vectors: ${args.exhaustive}`);

    const valid = [];  // {vector, version, kind}
    for (const v of PINNED) valid.push({ vector: v, version: v.slice(5, 8), kind: 'pinned' });
    for (const ver of VERSIONS) {
        if (args.exhaustive) {
            for (const v of allBaseVectors(ver)) valid.push({ vector: v, version: ver.prefix.slice(5), kind: 'base' });
        }
        for (let i = 0; i < args.random; i++) {
            valid.push({ vector: randomVector(rand, ver), version: ver.prefix.slice(5), kind: 'random' });
        }
    }

    const ours = runOurs(args.bin, valid.map((x) => x.vector));
    const stats = {};
    let mismatches = 0;
    const tableRows = [];
    valid.forEach((x, i) => {
        const st = (stats[x.version] ??= { compared: 0, mismatches: 0 });
        st.compared++;
        let expected;
        try {
            expected = oracleScore(ae, x.vector);
        } catch (e) {
            expected = `oracle error: ${e.message}`;
        }
        const expScore = typeof expected === 'number' ? expected.toFixed(1) : String(expected);
        const expSev = typeof expected === 'number' ? severity(expected) : '';
        const o = ours[i];
        if (o.score !== expScore || o.rest !== expSev) {
            st.mismatches++;
            mismatches++;
            if (mismatches <= 50) {
                console.log(`MISMATCH ${x.vector}\tours ${o.score} ${o.rest}\toracle ${expScore} ${expSev}`);
            }
        }
        x.expected = [expScore, expSev];
    });
    for (const [v, st] of Object.entries(stats)) {
        console.log(`cvss oracle: CVSS ${v}: ${st.compared} vectors compared, ${st.mismatches} mismatches`);
    }

    // Invalid vectors: ours must refuse each, naming the offending metric.
    const invalid = [];
    for (const ver of VERSIONS) {
        for (let i = 0; i < Math.max(200, Math.floor(args.random / 3)); i++) invalid.push(invalidVector(rand, ver));
    }
    const oursInvalid = runOurs(args.bin, invalid.map(([v]) => v.replace(/\n/g, ' ')));
    let badRefusals = 0;
    invalid.forEach(([v, needle], i) => {
        const o = oursInvalid[i];
        if (o.score !== 'ERROR' || !o.rest.includes(needle)) {
            badRefusals++;
            if (badRefusals <= 50) {
                console.log(`NOT REFUSED AS EXPECTED ${v.slice(0, 200)}\tours ${o.score} ${o.rest}\texpected an error naming ${needle}`);
            }
        }
    });
    console.log(`cvss oracle: ${invalid.length} invalid vectors, ${badRefusals} not refused with a message naming the metric`);

    if (args.table) {
        // A few hundred rows for the unit test that runs without node.
        const rows = [];
        const add = (x) => rows.push(`${x.vector}\t${x.expected[0]}\t${x.expected[1]}`);
        valid.filter((x) => x.kind === 'pinned').forEach(add);
        for (const ver of ['3.0', '3.1', '4.0']) {
            const base = valid.filter((x) => x.version === ver && x.kind === 'base');
            const rnd = valid.filter((x) => x.version === ver && x.kind === 'random');
            for (let i = 0; i < (ver === '4.0' ? 100 : 40) && base.length; i++) add(pick(rand, base));
            for (let i = 0; i < 80 && i < rnd.length; i++) add(rnd[i]);
        }
        const header = [
            '# CVSS base scores and severities computed by the independent oracle',
            `# ae-cvss-calculator ${aeVersion} (v4.0: CVSS-B of the base metrics), written by`,
            `# tests/scripts/cvss_oracle_test.sh --write-table (seed ${args.seed}).`,
            '# Columns: vector<TAB>base score<TAB>severity. Read by tests/unit/cvss_oracle_table_test.cpp.',
        ];
        fs.writeFileSync(args.table, header.concat(rows).join('\n') + '\n');
        console.log(`cvss oracle: wrote ${rows.length} rows to ${args.table}`);
    }

    const total = valid.length;
    console.log(`cvss oracle: ${total} vectors compared, ${mismatches} mismatches; ` +
        `${invalid.length - badRefusals} of ${invalid.length} invalid vectors refused correctly`);
    process.exit(mismatches === 0 && badRefusals === 0 ? 0 : 1);
}

main();
