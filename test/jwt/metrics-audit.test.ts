import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { generateSecret } from '../../src/jose/jwk/keys.js';
import { AuditLog, JWTManager, LatencyHistogram, TokenMetrics, type AuditEntry } from '../../src/jwt/index.js';

describe('metrics', () => {
  it('counts generated, verified, failed by reason, refreshed, rotations, and resets', async () => {
    const m = JWTManager.withHMAC(generateSecret('HS256'), { latencySampleEvery: 1 });
    const { token } = await m.generateToken({ subject: 'a' });
    await m.generateToken({ subject: 'b' });
    await m.verifyToken(token);
    await m.verifyToken(token);
    await m.verifyToken('garbage');
    await m.verifyToken(`${token}.x`);
    await m.verifyToken(`${token.slice(0, -3)}abc`);
    await m.refresh(token);
    m.rotateKey();
    const s = m.getMetrics();
    assert.equal(s.generated, 3);
    assert.equal(s.verified, 3);
    assert.equal(s.failed, 3);
    assert.equal(s.refreshed, 1);
    assert.equal(s.rotations, 1);
    assert.deepEqual(s.failuresByReason, { ERR_JWS_INVALID: 2, ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 1 });
    assert.equal(s.latency.verify.count, 6);
    assert.equal(s.latency.generate.count, 3);
    assert.ok(s.latency.verify.min > 0 && s.latency.verify.min <= s.latency.verify.p50);
    assert.ok(s.latency.verify.p50 <= s.latency.verify.p99 && s.latency.verify.p99 <= s.latency.verify.max);
    m.resetMetrics();
    const z = m.getMetrics();
    assert.equal(z.generated + z.verified + z.failed + z.refreshed + z.rotations, 0);
    assert.deepEqual(z.failuresByReason, {});
    assert.equal(z.latency.verify.count, 0);
  });

  it('samples latency one call in N by default while counters stay exact', async () => {
    const m = JWTManager.withHMAC(generateSecret('HS256'));
    const { token } = await m.generateToken({ subject: 'a' });
    for (let i = 0; i < 64; i++) await m.verifyToken(token);
    const s = m.getMetrics();
    assert.equal(s.verified, 64);
    assert.equal(s.latency.verify.count, 4);
    const off = JWTManager.withHMAC(generateSecret('HS256'), { metrics: false });
    await off.verifyToken((await off.generateToken({ subject: 'x' })).token);
    assert.equal(off.getMetrics().verified, 0);
  });

  it('histogram percentiles are within a bucket of the truth', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 .. 10 ms
    const s = h.summary();
    assert.equal(s.count, 1000);
    assert.ok(Math.abs(s.mean - 5.005) < 1e-9);
    assert.equal(s.min, 0.01);
    assert.equal(s.max, 10);
    assert.ok(s.p50 >= 5 && s.p50 <= 5 * 1.2, `p50 ${s.p50}`);
    assert.ok(s.p90 >= 9 && s.p90 <= 9 * 1.2, `p90 ${s.p90}`);
    assert.ok(s.p99 >= 9.9 && s.p99 <= 10, `p99 ${s.p99}`);
    const t = new TokenMetrics(() => 5, 1);
    t.recordFailed('ERR_X', 1);
    assert.deepEqual(t.snapshot().failuresByReason, { ERR_X: 1 });
    assert.equal(t.snapshot().since, 5);
  });
});

describe('audit log', () => {
  it('records jti, subject, action, outcome, reason and time, never the token', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => lines.push(d.toString()));
    const fnEntries: AuditEntry[] = [];
    let t = 1_000_000;
    const m = JWTManager.withHMAC(generateSecret('HS256'), { now: () => t, audit: { capacity: 100, sink: stream } });
    const sinkFn = JWTManager.withKeyRing(m.keyRing, { now: () => t, audit: { sink: (e) => fnEntries.push(e) } });
    const { token, jwtId } = await m.generateToken({ subject: 'alice', customClaims: { secretish: 'payload-data' } });
    t += 1;
    await m.verifyToken(token);
    await m.verifyToken(`${token.slice(0, -3)}abc`);
    await sinkFn.verifyToken(token);
    m.rotateKey();
    const logs = m.getAuditLogs();
    const kid = logs[0]!.kid;
    assert.deepEqual(logs.map(({ kid: _k, ...rest }) => rest), [
      { time: 1_000_000, action: 'generate', outcome: 'success', jti: jwtId, subject: 'alice' },
      { time: 1_000_001, action: 'verify', outcome: 'success', jti: jwtId, subject: 'alice' },
      { time: 1_000_001, action: 'verify', outcome: 'failure', reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      { time: 1_000_001, action: 'rotate', outcome: 'success' },
    ]);
    assert.equal(typeof kid, 'string');
    assert.deepEqual(m.getAuditLogs({ outcome: 'failure' }).map((e) => e.reason), ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED']);
    assert.deepEqual(fnEntries, [{ time: 1_000_001, action: 'verify', outcome: 'success', jti: jwtId, subject: 'alice' }]);
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 4);
    const everything = JSON.stringify(logs) + lines.join('') + JSON.stringify(fnEntries);
    const [h, p, s] = token.split('.') as [string, string, string];
    for (const part of [token, h, p, s, 'payload-data']) assert.equal(everything.includes(part), false, 'audit leaked token material');
    m.clearAuditLogs();
    assert.deepEqual(m.getAuditLogs(), []);
  });

  it('is a bounded ring buffer, copies known fields only, and survives a throwing sink', () => {
    const log = new AuditLog({ capacity: 3, sink: () => { throw new Error('sink down'); } });
    for (let i = 0; i < 5; i++) log.record({ time: i, action: 'verify', outcome: 'success', jti: `j${i}`, token: 'eyJ...' } as AuditEntry);
    assert.equal(log.size, 3);
    assert.deepEqual(log.entries().map((e) => e.jti), ['j2', 'j3', 'j4']);
    assert.equal(JSON.stringify(log.entries()).includes('eyJ'), false);
    assert.equal(log.sinkErrors, 5);
    assert.deepEqual(log.entries({ since: 4 }).map((e) => e.time), [4]);
    const none = new AuditLog({ capacity: 0 });
    none.record({ time: 1, action: 'x', outcome: 'success' });
    assert.deepEqual(none.entries(), []);
    const m = JWTManager.withHMAC(generateSecret('HS256'), { audit: false });
    assert.deepEqual(m.getAuditLogs(), []);
  });

  it('auditVerifications: failures only', async () => {
    const m = JWTManager.withHMAC(generateSecret('HS256'), { auditVerifications: 'failures' });
    const { token } = await m.generateToken({ subject: 's' });
    await m.verifyToken(token);
    await m.verifyToken('bad');
    assert.deepEqual(m.getAuditLogs().map((e) => `${e.action}:${e.outcome}`), ['generate:success', 'verify:failure']);
  });
});
