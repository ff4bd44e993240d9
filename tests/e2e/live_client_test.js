// Unit tests of static/js/lib/live.js, run in Chromium by test_client_lib.py:
// a scripted fake WebSocket plays the server. Sets window.result.
const assert = {
  equal(a, b, msg) { if (a !== b) throw new Error(`${msg || 'equal'}: ${JSON.stringify(a)} !== ${JSON.stringify(b)}`); },
  deepEqual(a, b, msg) { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${msg || 'deepEqual'}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`); },
  ok(v, msg) { if (!v) throw new Error(msg || 'not ok'); },
};
const sockets = [];
class FakeWS {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
  send(s) { this.sent.push(JSON.parse(s)); }
  close(code = 1000) { this.readyState = 3; }
  // test helpers
  open() { this.readyState = 1; }
  frame(f) { this.onmessage && this.onmessage({ data: JSON.stringify(f) }); }
  drop(code = 1006) { this.readyState = 3; this.onclose && this.onclose({ code }); }
}
globalThis.WebSocket = FakeWS;
const mem = new Map();
const storage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, String(v)) };
const { LiveClient, sortQuestions, formatCount, jitter } = await import('/static/js/lib/live.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const c = (seq, extra = {}) => ({ id: `c${seq}`, seq, text: `t${seq}`, nickname: 'n', featured: false, state: 'visible', ...extra });
const q = (seq, extra = {}) => ({ id: `q${seq}`, seq, text: `q${seq}`, nickname: null, anonymous: true, votes: 0, state: 'approved', ...extra });

async function main() {
const client = new LiveClient({ code: 'K7MXQ2', storage, backoffBase: 20, backoffCap: 100, pingInterval: 100000, likeInterval: 50 });
const log = [];
for (const type of ['state', 'welcome', 'comments', 'questions', 'counters', 'mine', 'lecture', 'events'])
  client.addEventListener(type, (e) => log.push([type, e.detail]));
client.connect();
assert.equal(sockets.length, 1);
assert.equal(sockets[0].url, `ws://${location.host}/ws/K7MXQ2`);
assert.equal(client.state, 'connecting');
let ws = sockets[0];
ws.open();
ws.frame({ type: 'welcome', viewer: 'v1.abc', seq: 10, epoch: 'E1', resumed: false, role: 'viewer',
  lecture: { code: 'K7MXQ2', title: 'T', status: 'live', settings: {} },
  snapshot: { comments: [c(5), c(3)], questions: [q(4, { votes: 2 }), q(6, { state: 'answering' })], counters: { online: 3, likes: 10 },
    mine: { comments: [c(7, { state: 'held' })], questions: [q(8, { state: 'pending' })] }, voted: ['q4'] } });
assert.equal(client.state, 'open');
assert.equal(storage.getItem('live.viewer'), 'v1.abc');
assert.deepEqual(client.comments.map((x) => x.id), ['c3', 'c5']);
assert.equal(client.questions.size, 2);
assert.ok(client.voted.has('q4'));
assert.ok(client.isMine('c7') && client.isMine('q8'));
assert.equal(client.likes, 10);
// events: dedupe, ordering, hide, private, lecture.updated, unknown kinds
ws.frame({ type: 'events', events: [
  { seq: 9, kind: 'comment.created', data: c(9) },            // old: ignored
  { seq: 11, kind: 'comment.created', data: c(11) },
  { seq: 12, kind: 'private' },
  { seq: 13, kind: 'comment.hidden', data: c(5, { state: 'hidden' }) },
  { seq: 14, kind: 'comment.featured', data: c(3, { featured: true }) },
  { seq: 15, kind: 'question.updated', data: q(4, { state: 'dismissed' }) },
  { seq: 16, kind: 'lecture.updated', data: { code: 'K7MXQ2', title: 'T2', status: 'ended', settings: {} } },
  { seq: 17, kind: 'something.new', data: {} },
  { seq: 18, kind: 'comment.approved', data: c(7, { state: 'visible' }) },
  { seq: 19, kind: 'question.updated', data: q(8, { state: 'approved' }) },
] });
assert.equal(client.seq, 19);
assert.deepEqual(client.comments.map((x) => x.id), ['c3', 'c7', 'c11']);
assert.equal(client.comments[0].featured, true);
assert.ok(!client.questions.has('q4'));
assert.ok(client.questions.has('q8') && client.mine.questions.size === 0 && client.mine.comments.size === 0);
assert.equal(client.lecture.title, 'T2');
// a duplicate frame changes nothing
const before = JSON.stringify(client.comments);
ws.frame({ type: 'events', events: [{ seq: 11, kind: 'comment.hidden', data: c(11, { state: 'hidden' }) }] });
assert.equal(JSON.stringify(client.comments), before);
// votes and counters
ws.frame({ type: 'votes', votes: { q6: 7, q404: 1 } });
assert.equal(client.questions.get('q6').votes, 7);
assert.deepEqual(sortQuestions([...client.questions.values()]).map((x) => x.id), ['q6', 'q8']);
ws.frame({ type: 'counters', online: 4, likes: 12 });
assert.equal(client.counters.online, 4);
// send: ack resolves; held record goes to mine
const p1 = client.comment('hello', 'nick');
const m1 = ws.sent.at(-1);
assert.equal(m1.type, 'comment');
assert.ok(m1.id && m1.id.length <= 64);
ws.frame({ type: 'ack', id: m1.id, ok: true, ref: 'c20', held: true, record: c(20, { state: 'held' }) });
const a1 = await p1;
assert.equal(a1.ok, true);
assert.ok(client.mine.comments.has('c20') && client.isMine('c20'));
// rate limited error is handed to the caller
const p2 = client.comment('again');
const m2 = ws.sent.at(-1);
ws.frame({ type: 'ack', id: m2.id, ok: false, error: { code: 'rate_limited', message: 'slow', retry_after: 1.4 } });
assert.equal((await p2).error.retry_after, 1.4);
// a message without an ack is re-sent with the same id after a reconnect, with since/epoch
const p3 = client.ask('why?', { nickname: 'x', anonymous: false });
const m3 = ws.sent.at(-1);
assert.equal(m3.type, 'question');
ws.drop(1006);
assert.equal(client.state, 'reconnecting');
// likes gathered while offline
client.like(); client.like(); client.like(150);
assert.equal(client.likes, 12 + 152);
await sleep(250);
assert.equal(sockets.length, 2);
ws = sockets[1];
const u = new URL(ws.url);
assert.equal(u.searchParams.get('since'), '19');
assert.equal(u.searchParams.get('epoch'), 'E1');
assert.equal(u.searchParams.get('viewer'), 'v1.abc');
ws.open();
assert.equal(ws.sent.length, 0, 'nothing sent before the welcome');
ws.frame({ type: 'welcome', viewer: 'v1.abc', seq: 25, epoch: 'E1', resumed: true, role: 'viewer', lecture: client.lecture, snapshot: null });
assert.equal(client.comments.length, 3, 'state kept on resume');
assert.ok(ws.sent.some((m) => m.id === m3.id && m.type === 'question'), 're-sent with the same id');
ws.frame({ type: 'ack', id: m3.id, ok: true, ref: 'q21', record: q(21, { anonymous: false, nickname: 'x' }) });
assert.equal((await p3).ref, 'q21');
assert.ok(client.questions.has('q21'));
// likes: at most 100 per message, at most one message per interval
await sleep(30);
let likes = ws.sent.filter((m) => m.type === 'like');
assert.equal(likes.length, 1);
assert.equal(likes[0].count, 100);
ws.frame({ type: 'ack', id: likes[0].id, ok: true, likes: 112 + 100 });
await sleep(80);
likes = ws.sent.filter((m) => m.type === 'like');
assert.equal(likes.length, 2);
assert.equal(likes[1].count, 52);
ws.frame({ type: 'ack', id: likes[1].id, ok: true, likes: 264 });
await sleep(5);
assert.equal(client.likes, 264);
// resumed events continue from 19
ws.frame({ type: 'events', events: [{ seq: 20, kind: 'private' }, { seq: 21, kind: 'question.created', data: q(21) }, { seq: 22, kind: 'comment.created', data: c(22) }] });
assert.equal(client.seq, 22);
assert.equal(client.comments.at(-1).id, 'c22');
// votes: optimistic, reconciled with the ack
const pv = client.vote('q6', true);
assert.ok(client.voted.has('q6'));
assert.equal(client.questions.get('q6').votes, 8);
const mv = ws.sent.at(-1);
assert.deepEqual([mv.type, mv.question, mv.up], ['vote', 'q6', true]);
ws.frame({ type: 'ack', id: mv.id, ok: true, question: 'q6', votes: 9, up: true });
await pv;
assert.equal(client.questions.get('q6').votes, 9);
const pv2 = client.vote('q6', false);
assert.equal(client.questions.get('q6').votes, 8);
ws.frame({ type: 'ack', id: ws.sent.at(-1).id, ok: false, error: { code: 'unavailable' } }); // retried after a while
await sleep(5);
assert.ok(!client.voted.has('q6'));
// 1012: quick reconnect; an epoch change resets to the snapshot
ws.drop(1012);
await sleep(1100);
assert.equal(sockets.length, 3);
ws = sockets[2];
ws.open();
ws.frame({ type: 'welcome', viewer: 'v1.abc', seq: 3, epoch: 'E2', resumed: false, role: 'viewer', lecture: client.lecture,
  snapshot: { comments: [c(2)], questions: [], counters: { likes: 5 }, mine: { comments: [], questions: [] }, voted: [] } });
assert.deepEqual(client.comments.map((x) => x.id), ['c2']);
assert.equal(client.seq, 3);
assert.ok(!client.isMine('c20'), 'own ids of the old epoch forgotten');
// the pending vote from before is re-sent once its wait is over
await sleep(1000);
assert.ok(ws.sent.some((m) => m.type === 'vote'));
ws.frame({ type: 'ack', id: ws.sent.find((m) => m.type === 'vote').id, ok: false, error: { code: 'not_found' } });
await pv2;
// cap: 300 comments
const many = [];
for (let s = 4; s < 404; s++) many.push({ seq: s, kind: 'comment.created', data: c(s) });
ws.frame({ type: 'events', events: many });
assert.equal(client.comments.length, 300);
assert.equal(client.comments[0].id, 'c104');
// backoff grows, state goes offline after several failures
ws.drop(1006);
for (let i = 0; i < 6; i++) { await sleep(120); sockets.at(-1).drop(1006); }
assert.equal(client.state, 'offline');
client.close();
assert.equal(client.state, 'closed');
assert.equal(formatCount(12345, 'zh-CN'), '1.2万');
assert.equal(formatCount(12345, 'en'), '12K');
assert.equal(formatCount(5120, 'zh-CN'), '5120'); assert.equal(formatCount(5120, 'en'), '5.1K'); assert.equal(formatCount(123456, 'en'), '123K'); assert.equal(formatCount(120000, 'zh-CN'), '12万'); assert.equal(formatCount(90211, 'zh-CN'), '9万'); assert.equal(formatCount(812, 'en'), '812');
for (let i = 0; i < 100; i++) { const d = jitter(10, 500, 15000); assert.ok(d >= 0 && d <= 15000); }
{
  const k = new LiveClient({ code: 'AAAAAA', storage, likeInterval: 10 });
  k.connect(); const w = sockets.at(-1); w.open();
  w.frame({ type: 'welcome', viewer: 'v', seq: 1, epoch: 'E', resumed: false, lecture: {}, snapshot: { comments: [], questions: [], counters: { likes: 100 }, mine: {}, voted: [] } });
  k.like(5); assert.equal(k.likes, 105);
  await sleep(30);
  const lm = w.sent.find((m) => m.type === 'like'); assert.equal(lm.count, 5);
  w.frame({ type: 'counters', likes: 105 }); assert.equal(k.likes, 105, 'in-flight likes counted once');
  w.frame({ type: 'counters', likes: 100 }); assert.equal(k.likes, 105);
  w.frame({ type: 'ack', id: lm.id, ok: true, likes: 107 }); await sleep(1); assert.equal(k.likes, 107);
  k.close();
}
{
  // featured: from snapshot.featured (older than the recent comments too) and the comment events, in seq order
  const k = new LiveClient({ code: 'BBBBBB', storage, backoffBase: 20, backoffCap: 40 });
  const got = [];
  k.addEventListener('featured', (e) => got.push(e.detail.featured.map((x) => x.id).join(',')));
  const ids = () => [...k.featured.keys()].join(',');
  const f = (seq, extra = {}) => c(seq, { featured: true, ...extra });
  k.connect(); let w = sockets.at(-1); w.open();
  w.frame({ type: 'welcome', viewer: 'v', seq: 30, epoch: 'E', resumed: false, lecture: {},
    snapshot: { comments: [c(29)], featured: [f(20), f(2)], questions: [], counters: {}, mine: {}, voted: [] } });
  assert.equal(ids(), 'c2,c20', 'featured from the snapshot, in seq order');
  assert.deepEqual(got, ['c2,c20']);
  assert.deepEqual(k.comments.map((x) => x.id), ['c29'], 'separate from the recent comments');
  w.frame({ type: 'events', events: [
    { seq: 31, kind: 'comment.featured', data: f(10) },
    { seq: 32, kind: 'comment.hidden', data: f(2, { state: 'hidden' }) },
  ] });
  assert.equal(ids(), 'c10,c20', 'featured in place; a hidden one leaves');
  assert.deepEqual(got.at(-1), 'c10,c20');
  assert.equal(got.length, 2, 'one event per frame');
  w.frame({ type: 'events', events: [{ seq: 33, kind: 'comment.unfeatured', data: c(20) }] });
  assert.equal(ids(), 'c10');
  w.frame({ type: 'events', events: [{ seq: 34, kind: 'comment.restored', data: f(2) }] });
  assert.equal(ids(), 'c2,c10', 'a restored featured comment comes back');
  w.frame({ type: 'events', events: [{ seq: 35, kind: 'comment.created', data: c(35) }] });
  assert.equal(got.length, 4, 'no event when nothing featured changed');
  w.frame({ type: 'events', events: [{ seq: 36, kind: 'comment.featured', data: { id: 'c29' } }] });
  assert.equal(ids(), 'c2,c10,c29', 'a featured event with only the id');
  assert.equal(k.featured.get('c29').text, 't29');
  // kept across a resume; replaced by the snapshot when the history is not resumed
  w.drop(1006);
  await sleep(150);
  w = sockets.at(-1); w.open();
  assert.equal(new URL(w.url).searchParams.get('since'), '36');
  w.frame({ type: 'welcome', viewer: 'v', seq: 37, epoch: 'E', resumed: true, lecture: {}, snapshot: null });
  w.frame({ type: 'events', events: [{ seq: 37, kind: 'comment.featured', data: f(37) }] });
  assert.equal(ids(), 'c2,c10,c29,c37');
  w.drop(1006);
  await sleep(150);
  w = sockets.at(-1); w.open();
  w.frame({ type: 'welcome', viewer: 'v', seq: 3, epoch: 'E2', resumed: false, lecture: {},
    snapshot: { comments: [], featured: [f(1)], questions: [], counters: {}, mine: {}, voted: [] } });
  assert.equal(ids(), 'c1');
  assert.equal(got.at(-1), 'c1');
  // at most 50, the newest kept
  const many = [];
  for (let s = 4; s < 64; s++) many.push({ seq: s, kind: 'comment.featured', data: f(s) });
  w.frame({ type: 'events', events: many });
  assert.equal(k.featured.size, 50);
  assert.equal([...k.featured.keys()][0], 'c14');
  k.close();
}
window.result = 'ok';
}
main().catch((e) => { window.result = `${e.message}\n${e.stack}`; });
