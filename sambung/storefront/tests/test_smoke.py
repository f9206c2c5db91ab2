def test_home_answers(buyer, cooperative):
    assert buyer.get("/").status_code == 200
