//! The shape every Voice value set shares: an enum of Twilio's wire names that keeps any other
//! value verbatim, so a value Twilio adds later decodes instead of failing the webhook.
//!
//! `MessageStatus` spells the same shape out by hand; the Voice sets are five, so a macro
//! writes it once: the enum, `as_str`, `From<&str>` / `From<String>`, `Display`, and the serde
//! impls (by hand, because a derived enum would reject unknown strings instead of keeping them).

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        } else {
            $(#[$ometa:meta])* $other:ident(String) $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            $(#[$ometa])* $other(String),
        }

        impl $name {
            #[doc = concat!("The wire name (or the other value as sent).\n\n```\n",
                "use twilio_webhook::payload::", stringify!($name), ";\n\n",
                "for wire in [\"", $($wire, "\", \"",)+ "something-new\"] {\n",
                "    assert_eq!(", stringify!($name), "::from(wire).as_str(), wire);\n",
                "}\n```")]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::$other(other) => other,
                }
            }

            fn known(wire: &str) -> Option<Self> {
                Some(match wire {
                    $( $wire => Self::$variant, )+
                    _ => return None,
                })
            }
        }

        impl From<&str> for $name {
            #[doc = concat!("Parses a wire name; other names become [`", stringify!($name),
                "::", stringify!($other), "`].")]
            fn from(wire: &str) -> Self {
                Self::known(wire).unwrap_or_else(|| Self::$other(wire.to_owned()))
            }
        }

        impl From<String> for $name {
            #[doc = concat!("Parses a wire name; other names become [`", stringify!($name),
                "::", stringify!($other), "`] without copying.")]
            fn from(wire: String) -> Self {
                Self::known(&wire).unwrap_or(Self::$other(wire))
            }
        }

        impl std::fmt::Display for $name {
            /// Writes the wire name.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($what)
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }

                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                }

                d.deserialize_str(WireVisitor)
            }
        }
    };
}

pub(super) use wire_enum;
