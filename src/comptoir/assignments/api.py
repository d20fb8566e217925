from ninja import Router

router = Router(tags=["assignments"])
