from live.core.figures import per_minute


def sample(t, comments, questions=0, likes=0, visits=0):
    return {"t": t, "comments": comments, "questions": questions, "likes": likes, "visits": visits}


def test_rates_come_from_the_sample_a_minute_ago():
    samples = [sample(0, 0), sample(10, 5), sample(60, 20, 2, 100, 30), sample(70, 30, 3, 150, 40)]
    now = {"comments": 50, "questions": 5, "likes": 400, "visits": 90}
    assert per_minute(samples, now, 120) == {"comments": 30.0, "questions": 3.0, "likes": 300.0, "visits": 60.0}


def test_early_rates_are_scaled_to_a_minute_and_never_negative():
    assert per_minute([sample(0, 0)], {"comments": 10}, 30)["comments"] == 20.0
    assert per_minute([sample(0, 10)], {"comments": 4}, 30)["comments"] == 0.0
    assert per_minute([], {"comments": 4}, 30) == {"comments": 0.0, "questions": 0.0, "likes": 0.0, "visits": 0.0}
