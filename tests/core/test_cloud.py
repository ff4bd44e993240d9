from live.core.cloud import words


def test_real_answers_are_segmented_into_words_without_stop_words():
    assert words("劳模精神就是爱岗敬业、争创一流") == ["劳模", "精神", "爱岗敬业", "争创", "一流"]
    assert words("爱岗敬业！") == ["爱岗敬业"]
    assert words("工匠精神，精益求精的工匠精神") == ["工匠", "精神", "精益求精"]
    assert words("我觉得是奉献") == ["奉献"]
    assert words("Ｄｅｄｉｃａｔｉｏｎ and HARD work") == ["dedication", "hard", "work"]
    assert words("的了吗？！……") == []
