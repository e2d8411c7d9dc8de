"""Selling live: sessions on Facebook, TikTok, YouTube or Zalo and their moves, featured
products with codes and live prices (what a session shows: ``featured``), the public feeds
(lists, iCalendar), and orders taken from a viewer's comment ("A2 x3")."""
