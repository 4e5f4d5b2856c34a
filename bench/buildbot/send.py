# Sends N changes to the Buildbot master in one process (as `buildbot sendchange` does, without a
# process per change) and prints how long the sending took.
import sys, time
from twisted.internet import defer, task
from buildbot.clients import sendchange

def main(reactor, n):
    n = int(n)
    s = sendchange.Sender('127.0.0.1:19989', auth=('change', 'changepw'))
    @defer.inlineCallbacks
    def go():
        t0 = time.time()
        for i in range(n):
            yield s.send(branch='main', revision='%08x' % (0xaaaa0000 + i), comments='bench %d' % i, files=['src/f%d.c' % i], who='Dev <dev@example.org>')
        print('sent %d changes in %.2f s = %.1f changes/s' % (n, time.time() - t0, n / (time.time() - t0)))
    return go()

task.react(main, sys.argv[1:])
