"""Drives hits_app through Flask's test client against the server on
127.0.0.1:$REDIS_PORT."""

import sys
import threading
import unittest

import flask
import redis

import hits_app


class Hits(unittest.TestCase):
    def setUp(self):
        hits_app.cache.flushall()
        hits_app.app.config["TESTING"] = True

    def test_counts_each_visit(self):
        c = hits_app.app.test_client()
        for i in range(1, 6):
            resp = c.get("/")
            self.assertEqual(resp.status_code, 200)
            self.assertEqual(resp.get_data(as_text=True), "Hello World! I have been seen {} times.\n".format(i))
        self.assertEqual(hits_app.cache.get("hits"), b"5")

    def test_concurrent_visits_lose_nothing(self):
        seen = []
        lock = threading.Lock()

        def visit():
            c = hits_app.app.test_client()
            for _ in range(50):
                text = c.get("/").get_data(as_text=True)
                n = int(text.split("seen ")[1].split(" times")[0])
                with lock:
                    seen.append(n)

        threads = [threading.Thread(target=visit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # INCR is atomic: every visit saw a distinct count, 1..200.
        self.assertEqual(sorted(seen), list(range(1, 201)))
        self.assertEqual(hits_app.cache.get("hits"), b"200")

    def test_counter_survives_a_string_reset(self):
        hits_app.cache.set("hits", "41")
        c = hits_app.app.test_client()
        self.assertIn("seen 42 times", c.get("/").get_data(as_text=True))
        hits_app.cache.set("hits", "not a number")
        # TESTING propagates the view's exception: Redis's error, verbatim.
        with self.assertRaisesRegex(redis.ResponseError, "^value is not an integer or out of range$"):
            c.get("/")


if __name__ == "__main__":
    print("flask", flask.__version__, file=sys.stderr)
    unittest.main(verbosity=2)
