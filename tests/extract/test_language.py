from gawah.extract.language import detect_language


def test_english() -> None:
    assert detect_language("The Taliban detained three former soldiers in Herat on Sunday.") == "en"


def test_dari() -> None:
    assert detect_language("طالبان سه سرباز پیشین را در ولایت هرات بازداشت کردند و به جای نامعلوم بردند.") == "fa"


def test_pashto_by_letters_and_words() -> None:
    text = "طالبانو د هرات په ولایت کې درې پخواني سرتېري ونیول او نامعلوم ځای ته یې یوړل."
    assert detect_language(text) == "ps"


def test_dari_with_a_pashto_name_stays_dari() -> None:
    text = "خبرگزاری گفت که محمد ګل در ولایت کابل بازداشت شده است و خانواده او از سرنوشت او خبر ندارند."
    assert detect_language(text) == "fa"


def test_undetermined() -> None:
    assert detect_language("") == "und"
    assert detect_language("1234 5678 !!!") == "und"
