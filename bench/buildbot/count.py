# Usage: count.py [AFTER [DB]]. Prints the builds Buildbot finished after build id AFTER (default 0) and its build throughput,
# from its SQLite database (Buildbot stores times in whole seconds).
import sqlite3, sys
after = int(sys.argv[1]) if len(sys.argv) > 1 else 0
db = sqlite3.connect(sys.argv[2] if len(sys.argv) > 2 else 'master/state.sqlite')
total, done, last = db.execute('select count(*), sum(complete_at is not null), max(complete_at) from builds where id > ?', (after,)).fetchone()
sub = db.execute('select min(r.submitted_at) from buildrequests r join builds b on b.buildrequestid = r.id where b.id > ?', (after,)).fetchone()[0]
res = dict(db.execute('select results, count(*) from builds where id > ? group by results', (after,)).fetchall())
print('builds: %s started, %s finished, results %s' % (total, done, res))
if done and last and sub:
    print('first request submitted -> last build finished: %d s = %.2f builds/s' % (last - sub, done / max(1, last - sub)))
