// smartmeter-obis (npm) on the same DSMR / D0 telegrams: its D0Protocol message path
// (sign-on match, data-message regex, prepareResult into ObisMeasurement objects), one
// telegram at a time, as its serial transport hands them over. Prints mb_per_s.
'use strict';
const fs = require('fs');
const D0Protocol = require(process.env.SMARTMETER_OBIS + '/lib/protocols/D0Protocol.js');
const telegrams = process.argv.slice(2).map((f) => fs.readFileSync(f));
const total = telegrams.reduce((a, b) => a + b.length, 0);
let values = 0;
const p = new D0Protocol({ debug: 0, logger: () => {}, transportSerialBaudrate: 115200 }, (err, obis) => {
  if (!err) values += Object.keys(obis).length;
});
function pass() {
  values = 0;
  for (const t of telegrams) {
    p.initState();
    if (!p.checkMessage(t)) continue;
    const rest = p.handleMessage(t);
    if (rest && p.checkMessage(rest)) p.handleMessage(rest);
  }
}
pass();
// CPU time (user + system) of this process, like the C++ side.
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
let rounds = 0;
const t0 = cpu();
let elapsed = 0;
do {
  pass();
  rounds++;
  elapsed = cpu() - t0;
} while (elapsed < 1.0);
const s = elapsed / rounds;
console.log(`smartmeter-obis telegrams=${telegrams.length} values=${values} bytes=${total} seconds_per_pass=${s.toFixed(9)} mb_per_s=${(total / s / 1e6).toFixed(2)}`);
