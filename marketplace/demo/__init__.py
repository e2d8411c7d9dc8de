"""The demo world of Vân Hồ district (Sơn La): people, shops, products, five months of trade and
pictures, loaded through the services as real users would make them (``flask demo load``).

``load.STEPS`` lists the steps in order; ``world`` holds the people, shops and products,
``trade`` the certificates, collections, livestreams and orders (their data in ``trade_data``),
``history`` dates them into the past, ``images`` draws (``artwork``) and attaches pictures.
Nothing outside this package and the CLI imports it.
"""
