var ue,k,je,Ft,H,He,Ve,Ge,ke,re,Q,Je,Ee,xe,Se,Ot,ie={},le=[],Ht=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,de=Array.isArray;function O(e,t){for(var o in t)e[o]=t[o];return e}function Ce(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function Pe(e,t,o){var n,s,r,a={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?ue.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return se(e,a,n,s,null)}function se(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++je,__i:-1,__u:0};return s==null&&k.vnode!=null&&k.vnode(r),r}function pe(e){return e.children}function ae(e,t){this.props=e,this.context=t}function G(e,t){if(t==null)return e.__?G(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?G(e):null}function Bt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=O({},t);r.__v=t.__v+1,k.vnode&&k.vnode(r),Re(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??G(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,Ze(n,r,s),t.__e=t.__=null,r.__e!=o&&Ye(r)}}function Ye(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Ye(e)}function Be(e){(!e.__d&&(e.__d=!0)&&H.push(e)&&!ce.__r++||He!=k.debounceRendering)&&((He=k.debounceRendering)||Ve)(ce)}function ce(){try{for(var e,t=1;H.length;)H.length>t&&H.sort(Ge),e=H.shift(),t=H.length,Bt(e)}finally{H.length=ce.__r=0}}function ze(e,t,o,n,s,r,a,u,c,i,p){var h,l,_,f,b,y,v=n&&n.__k||le,m=t.length;for(c=qt(o,t,v,c,m),h=0;h<m;h++)(_=o.__k[h])!=null&&(l=_.__i!=-1&&v[_.__i]||ie,_.__i=h,y=Re(e,_,l,s,r,a,u,c,i,p),f=_.__e,_.ref&&l.ref!=_.ref&&(l.ref&&Te(l.ref,null,_),p.push(_.ref,_.__c||f,_)),b==null&&f!=null&&(b=f),4&_.__u?(c=Xe(_,c,e),l.__e&&(l.__e=null)):typeof _.type=="function"&&y!==void 0?c=y:f&&(c=f.nextSibling),_.__u&=-7);return o.__e=b,c}function qt(e,t,o,n,s){var r,a,u,c,i,p=o.length,h=p,l=0;for(e.__k=new Array(s),r=0;r<s;r++)(a=t[r])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[r]=se(null,a,null,null,null):de(a)?a=e.__k[r]=se(pe,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[r]=se(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[r]=a,c=r+l,a.__=e,a.__b=e.__b+1,u=null,(i=a.__i=Kt(a,o,c,h))!=-1&&(h--,(u=o[i])&&(u.__u|=2)),u==null||u.__v==null?(i==-1&&(s>p?l--:s<p&&l++),typeof a.type!="function"&&(a.__u|=4)):i!=c&&(i==c-1?l--:i==c+1?l++:(i>c?l--:l++,a.__u|=4))):e.__k[r]=null;if(h)for(r=0;r<p;r++)(u=o[r])!=null&&(2&u.__u)==0&&(u.__e==n&&(n=G(u)),tt(u,u));return n}function Xe(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=Xe(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=G(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Kt(e,t,o,n){var s,r,a,u=e.key,c=e.type,i=t[o],p=i!=null&&(2&i.__u)==0;if(i===null&&u==null||p&&u==i.key&&c==i.type)return o;if(n>(p?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((i=t[a=s>=0?s--:r++])!=null&&(2&i.__u)==0&&u==i.key&&c==i.type)return a}return-1}function qe(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||Ht.test(t)?o:o+"px"}function ne(e,t,o,n,s){var r,a;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||qe(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||qe(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(Je,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[Q]=n[Q]:(o[Q]=Ee,e.addEventListener(t,r?Se:xe,r)):e.removeEventListener(t,r?Se:xe,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function Ke(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[re]==null)t[re]=Ee++;else if(t[re]<o[Q])return;return o(k.event?k.event(t):t)}}}function Re(e,t,o,n,s,r,a,u,c,i){var p,h,l,_,f,b,y,v,m,w,I,A,W,g,N,X,F=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(c=!!(32&o.__u),r=[u=t.__e=o.__e]),(p=k.__b)&&p(t);e:if(typeof F=="function"){h=a.length;try{if(m=t.props,w=F.prototype&&F.prototype.render,I=(p=F.contextType)&&n[p.__c],A=p?I?I.props.value:p.__:n,o.__c?v=(l=t.__c=o.__c).__=l.__E:(w?t.__c=l=new F(m,A):(t.__c=l=new ae(m,A),l.constructor=F,l.render=Vt),I&&I.sub(l),l.state||(l.state={}),l.__n=n,_=l.__d=!0,l.__h=[],l._sb=[]),w&&l.__s==null&&(l.__s=l.state),w&&F.getDerivedStateFromProps!=null&&(l.__s==l.state&&(l.__s=O({},l.__s)),O(l.__s,F.getDerivedStateFromProps(m,l.__s))),f=l.props,b=l.state,l.__v=t,_)w&&F.getDerivedStateFromProps==null&&l.componentWillMount!=null&&l.componentWillMount(),w&&l.componentDidMount!=null&&l.__h.push(l.componentDidMount);else{if(w&&F.getDerivedStateFromProps==null&&m!==f&&l.componentWillReceiveProps!=null&&l.componentWillReceiveProps(m,A),t.__v==o.__v||!l.__e&&l.shouldComponentUpdate!=null&&l.shouldComponentUpdate(m,l.__s,A)===!1){t.__v!=o.__v&&(l.props=m,l.state=l.__s,l.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(Y){Y&&(Y.__=t)}),le.push.apply(l.__h,l._sb),l._sb=[],l.__h.length&&a.push(l),u=G(o);break e}l.componentWillUpdate!=null&&l.componentWillUpdate(m,l.__s,A),w&&l.componentDidUpdate!=null&&l.__h.push(function(){l.componentDidUpdate(f,b,y)})}if(l.context=A,l.props=m,l.__P=e,l.__e=!1,W=k.__r,g=0,w)l.state=l.__s,l.__d=!1,W&&W(t),p=l.render(l.props,l.state,l.context),le.push.apply(l.__h,l._sb),l._sb=[];else do l.__d=!1,W&&W(t),p=l.render(l.props,l.state,l.context),l.state=l.__s;while(l.__d&&++g<25);l.state=l.__s,l.getChildContext!=null&&(n=O(O({},n),l.getChildContext())),w&&!_&&l.getSnapshotBeforeUpdate!=null&&(y=l.getSnapshotBeforeUpdate(f,b)),N=p!=null&&p.type===pe&&p.key==null?et(p.props.children):p,u=ze(e,de(N)?N:[N],t,o,n,s,r,a,u,c,i),l.base=t.__e,t.__u&=-161,l.__h.length&&a.push(l),v&&(l.__E=l.__=null)}catch(Y){if(a.length=h,t.__v=null,c||r!=null){if(Y.then){for(t.__u|=c?160:128;u&&u.nodeType==8&&u.nextSibling;)u=u.nextSibling;r!=null&&(r[r.indexOf(u)]=null),t.__e=u}else if(r!=null)for(X=r.length;X--;)Ce(r[X])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),Y.then||Qe(t),k.__e(Y,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):u=t.__e=jt(o.__e,t,o,n,s,r,a,c,i);return(p=k.diffed)&&p(t),128&t.__u?void 0:u}function Qe(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(Qe))}function Ze(e,t,o){for(var n=0;n<o.length;n++)Te(o[n],o[++n],o[++n]);k.__c&&k.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){k.__e(r,s.__v)}})}function et(e){return typeof e!="object"||e==null||e.__b>0?e:de(e)?e.map(et):e.constructor!==void 0?null:O({},e)}function jt(e,t,o,n,s,r,a,u,c){var i,p,h,l,_,f,b,y=o.props||ie,v=t.props,m=t.type;if(m=="svg"?s="http://www.w3.org/2000/svg":m=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(i=0;i<r.length;i++)if((_=r[i])&&"setAttribute"in _==!!m&&(m?_.localName==m:_.nodeType==3)){e=_,r[i]=null;break}}if(e==null){if(m==null)return document.createTextNode(v);e=document.createElementNS(s,m,v.is&&v),u&&(k.__m&&k.__m(t,r),u=!1),r=null}if(m==null)y===v||u&&e.data==v||(e.data=v);else{if(r=m=="textarea"&&v.defaultValue!=null?null:r&&ue.call(e.childNodes),!u&&r!=null)for(y={},i=0;i<e.attributes.length;i++)y[(_=e.attributes[i]).name]=_.value;for(i in y)_=y[i],i=="dangerouslySetInnerHTML"?h=_:i=="children"||i in v||i=="value"&&"defaultValue"in v||i=="checked"&&"defaultChecked"in v||ne(e,i,null,_,s);for(i in v)_=v[i],i=="children"?l=_:i=="dangerouslySetInnerHTML"?p=_:i=="value"?f=_:i=="checked"?b=_:u&&typeof _!="function"||y[i]===_||ne(e,i,_,y[i],s);if(p)u||h&&(p.__html==h.__html||p.__html==e.innerHTML)||(e.innerHTML=p.__html),t.__k=[];else if(h&&(e.innerHTML=""),ze(t.type=="template"?e.content:e,de(l)?l:[l],t,o,n,m=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,a,r?r[0]:o.__k&&G(o,0),u,c),r!=null)for(i=r.length;i--;)Ce(r[i]);u&&m!="textarea"||(i="value",m=="progress"&&f==null?e.removeAttribute("value"):f!=null&&(f!==e[i]||m=="progress"&&!f||m=="option"&&f!=y[i])&&ne(e,i,f,y[i],s),i="checked",b!=null&&b!=e[i]&&ne(e,i,b,y[i],s))}return e}function Te(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){k.__e(s,o)}}function tt(e,t,o){var n,s;if(k.unmount&&k.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||Te(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){k.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&tt(n[s],t,o||typeof e.type!="function");o||Ce(e.__e),e.__c=e.__=e.__e=void 0}function Vt(e,t,o){return this.constructor(e,o)}function ot(e,t,o){var n,s,r,a;t==document&&(t=document.documentElement),k.__&&k.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],a=[],Re(t,e=(!n&&o||t).__k=Pe(pe,null,[e]),s||ie,ie,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?ue.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,a),Ze(r,e,a),e.props.children=null}ue=le.slice,k={__e:function(e,t,o,n){for(var s,r,a;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),a=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),a=s.__d),a)return s.__E=s}catch(u){e=u}throw e}},je=0,Ft=function(e){return e!=null&&e.constructor===void 0},ae.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=O({},this.state),typeof e=="function"&&(e=e(O({},o),this.props)),e&&O(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Be(this))},ae.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Be(this))},ae.prototype.render=pe,H=[],Ve=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Ge=function(e,t){return e.__v.__b-t.__v.__b},ce.__r=0,ke=Math.random().toString(8),re="__d"+ke,Q="__a"+ke,Je=/(PointerCapture)$|Capture$/i,Ee=0,xe=Ke(!1),Se=Ke(!0),Ot=0;var Z,S,Ie,nt,he=0,dt=[],E=k,rt=E.__b,st=E.__r,at=E.diffed,it=E.__c,lt=E.unmount,ct=E.__;function Ae(e,t){E.__h&&E.__h(S,e,he||t),he=0;var o=S.__H||(S.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function $(e){return he=1,Gt(_t,e)}function Gt(e,t,o){var n=Ae(Z++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):_t(void 0,t),function(u){var c=n.__N?n.__N[0]:n.__[0],i=n.t(c,u);c!==i&&(n.__N=[i,n.__[1]],n.__c.setState({}))}],n.__c=S,!S.__f)){var s=function(u,c,i){if(!n.__c.__H)return!0;var p=!1,h=n.__c.props!==u;if(n.__c.__H.__.some(function(_){if(_.__N){p=!0;var f=_.__[0];_.__=_.__N,_.__N=void 0,f!==_.__[0]&&(h=!0)}}),r){var l=r.call(this,u,c,i);return p?l||h:l}return!p||h};S.__f=!0;var r=S.shouldComponentUpdate,a=S.componentWillUpdate;S.componentWillUpdate=function(u,c,i){if(this.__e){var p=r;r=void 0,s(u,c,i),r=p}a&&a.call(this,u,c,i)},S.shouldComponentUpdate=s}return n.__N||n.__}function M(e,t){var o=Ae(Z++,3);!E.__s&&pt(o.__H,t)&&(o.__=e,o.u=t,S.__H.__h.push(o))}function U(e){return he=5,J(function(){return{current:e}},[])}function J(e,t){var o=Ae(Z++,7);return pt(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function Jt(){for(var e;e=dt.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(_e),t.__h.some(Me),t.__h=[]}catch(o){t.__h=[],E.__e(o,e.__v)}}}E.__b=function(e){S=null,rt&&rt(e)},E.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),ct&&ct(e,t)},E.__r=function(e){st&&st(e),Z=0;var t=(S=e.__c).__H;t&&(Ie===S?(t.__h=[],S.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(_e),t.__h.some(Me),t.__h=[],Z=0)),Ie=S},E.diffed=function(e){at&&at(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(dt.push(t)!==1&&nt===E.requestAnimationFrame||((nt=E.requestAnimationFrame)||Yt)(Jt)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),Ie=S=null},E.__c=function(e,t){t.some(function(o){try{o.__h.some(_e),o.__h=o.__h.filter(function(n){return!n.__||Me(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],E.__e(n,o.__v)}}),it&&it(e,t)},E.unmount=function(e){lt&&lt(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{_e(n)}catch(s){t=s}}),o.__H=void 0,t&&E.__e(t,o.__v))};var ut=typeof requestAnimationFrame=="function";function Yt(e){var t,o=function(){clearTimeout(n),ut&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);ut&&(t=requestAnimationFrame(o))}function _e(e){var t=S,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),S=t}function Me(e){var t=S;e.__c=e.__(),S=t}function pt(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function _t(e,t){return typeof t=="function"?t(e):t}var ft=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],u=t[r]?(t[0]|=a?1:2,o[t[r++]]):t[++r];a===3?n[0]=u:a===4?n[1]=Object.assign(n[1]||{},u):a===5?(n[1]=n[1]||{})[t[++r]]=u:a===6?n[1][t[++r]]+=u+"":a?(s=e.apply(u,ft(e,u,o,["",null])),n.push(s),u[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(u)}return n},ht=new Map;function mt(e){var t=ht.get(this);return t||(t=new Map,ht.set(this,t)),(t=ft(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,a="",u="",c=[0],i=function(l){r===1&&(l||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?c.push(0,l,a):r===3&&(l||a)?(c.push(3,l,a),r=2):r===2&&a==="..."&&l?c.push(4,l,0):r===2&&a&&!l?c.push(5,0,!0,a):r>=5&&((a||!l&&r===5)&&(c.push(r,0,a,s),r=6),l&&(c.push(r,l,0,s),r=6)),a=""},p=0;p<o.length;p++){p&&(r===1&&i(),i(p));for(var h=0;h<o[p].length;h++)n=o[p][h],r===1?n==="<"?(i(),c=[c],r=3):a+=n:r===4?a==="--"&&n===">"?(r=1,a=""):a=n+a[0]:u?n===u?u="":a+=n:n==='"'||n==="'"?u=n:n===">"?(i(),r=1):r&&(n==="="?(r=5,s=a,a=""):n==="/"&&(r<5||o[p][h+1]===">")?(i(),r===3&&(c=c[0]),r=c,(c=c[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(i(),r=2):a+=n),r===3&&a==="!--"&&(r=4,c=c[0])}return i(),c})(e)),t),arguments,[])).length>1?t:t[0]}var d=mt.bind(Pe);var ee=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"];function $t({rate:e=10,burst:t=20}={}){let o=t,n=performance.now(),s=0,r=null,a=[],u=()=>{r=null;let c=performance.now();for(o=Math.min(t,o+(c-n)*e/1e3),n=c;a.length&&c>=s&&o>=1;)o-=1,a.shift()();if(a.length){let i=Math.max(s-c,(1-o)*1e3/e);r=setTimeout(u,Math.ceil(i))}};return{take(){return new Promise(c=>{a.push(c),r||u()})},pause(c){s=Math.max(s,performance.now()+c),o=0,r&&clearTimeout(r),u()}}}function bt(e){let t=`collabkit-events:${e.accountId}`,o=new Set,n=new Set,s=null,r=null,a=c=>{if(c){if(n.has(c.id))return;n.add(c.id),n.size>500&&n.delete(n.values().next().value)}for(let i of[...o])(!c||!i.roomId||i.roomId===c.room_id)&&i.handler(c)};function u(){let c=new AbortController,i=typeof BroadcastChannel=="function"?new BroadcastChannel(t):null,p=null;i?.addEventListener("message",({data:f})=>{f.cursor&&(p=f.cursor),"event"in f&&a(f.event)});let h=i&&!navigator.locks?Zt(i,c.signal,_):null,l=f=>i?.postMessage(h?{...f,peer:h.me}:f);async function _(f,b){let y=m=>f.aborted||l(m);b&&!p&&(y({event:null}),a(null));let v=500;for(;!f.aborted;){try{await e.stream(p,m=>{if(!m.data){h&&y({});return}let w;try{w=JSON.parse(m.data)}catch{return}p=m.id??p,y({cursor:p,event:w}),a(w),v=500},f)}catch(m){m.retryAfter&&(v=Math.max(v,m.retryAfter))}if(f.aborted)break;await new Promise(m=>{let w=setTimeout(m,v);f.addEventListener("abort",()=>(clearTimeout(w),m()),{once:!0})}),v=Math.min(v*2,1e4)}}return i?h||(async()=>{await navigator.locks.request(t,{ifAvailable:!0},async b=>b?(await _(c.signal,!1),!0):!1)||c.signal.aborted||await navigator.locks.request(t,{signal:c.signal},()=>_(c.signal,!0))})().catch(()=>{}):_(c.signal,!1),()=>{c.abort(),i?.close()}}return{subscribe(c,i){let p={handler:c,roomId:i};return o.add(p),clearTimeout(r),s??(s=u()),()=>{o.delete(p),!o.size&&(clearTimeout(r),r=setTimeout(()=>{o.size||!s||(s(),s=null,n.clear())},2e3))}}}}var zt=25e3,Xt=5e3,Qt=300;function Zt(e,t,o){let n=`${Date.now().toString(36).padStart(9,"0")}.${Math.random().toString(36).slice(2,10)}`,s=new Map,r=!1,a=null,u=!1,c=()=>{let _=performance.now(),f=n;for(let[b,y]of s)_-y>zt?s.delete(b):b<f&&(f=b);return f},i=()=>{if(!r||t.aborted)return;let _=c()===n;if(_&&!a){let f=new AbortController;a=f,o(f.signal,u).finally(()=>{a===f&&(a=null)})}else!_&&a&&(a.abort(),a=null)},p=_=>{try{e.postMessage({..._,peer:n})}catch{}};e.addEventListener("message",({data:_})=>{_.bye?s.delete(_.bye):_.peer&&(s.set(_.peer,performance.now()),u=!0,_.hello&&p({})),i()});let h=()=>p({bye:n}),l=setInterval(()=>{p({}),i()},Xt);return window.addEventListener("pagehide",h),p({hello:!0}),setTimeout(()=>{r=!0,i()},Qt),t.addEventListener("abort",()=>{clearInterval(l),window.removeEventListener("pagehide",h),a?.abort(),h()},{once:!0}),{me:n}}var B=class extends Error{constructor(t,o,n,s=o,r=null){super(n),this.status=t,this.code=o,this.reason=s,this.requestId=r}},L=100,eo="The server could not be reached. Is `collabkit serve` still running at this address?";function to(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function te(e){return typeof e=="string"&&e.length>0&&e.length<=256&&e!=="."&&e!==".."&&!/[\u0000-\u001f\u007f]/.test(e)}function C(e,...t){return e.reduce((o,n,s)=>{let r=t[s-1];if(!te(String(r)))throw new B(0,"invalid_id",`"${r}" is not a valid id.`);return o+encodeURIComponent(String(r))+n})}var oo=3,yt=e=>Math.min(60,Math.max(1,Number(e.headers.get("retry-after"))||1))*1e3;function Ne(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${to(e,t)}`},r=$t();async function a(i,p){for(let h=0;;h++){await r.take();let l=await fetch(i,p);if(l.status!==429||h===oo)return l;r.pause(yt(l)),await l.body?.cancel()}}async function u(i,p,h){let l;try{l=await a(n+p,{method:i,headers:h===void 0?s:{...s,"content-type":"application/json"},body:h===void 0?void 0:JSON.stringify(h)})}catch{throw new B(0,"unreachable",eo)}if(l.status===204)return null;let _=null;try{_=await l.json()}catch{}if(!l.ok){let f=_?.error,b=new B(l.status,f?.code??"http_error",f?.message??`The server answered ${l.status} ${l.statusText}.`,f?.reason??f?.code??"http_error",_?.requestId??l.headers.get("x-request-id"));throw l.status===401&&o&&o(b),b}return _?.data}let c={accountId:e,get:i=>u("GET",i),post:(i,p)=>u("POST",i,p??{}),patch:(i,p)=>u("PATCH",i,p),put:(i,p)=>u("PUT",i,p),del:i=>u("DELETE",i),async stream(i,p,h){let l=new URLSearchParams;i&&l.set("cursor",i);let _=await a(`${n}/events/stream?${l}`,{headers:s,signal:h});if(!_.ok||!_.body){let y=new B(_.status,"stream_failed",`The event stream answered ${_.status}.`);throw(_.status===429||_.status===503)&&(y.retryAfter=yt(_)),await _.body?.cancel(),_.status===401&&o&&o(y),y}let f=_.body.pipeThrough(new TextDecoderStream).getReader(),b="";for(;;){let{value:y,done:v}=await f.read();if(v)return;b+=y;let m;for(;(m=b.indexOf(`

`))>=0;){let w=b.slice(0,m);b=b.slice(m+2);let I={};for(let A of w.split(`
`)){let W=A.indexOf(":");if(W<=0)continue;let g=A.slice(0,W),N=A.slice(W+1).replace(/^ /,"");I[g]=I[g]?`${I[g]}
${N}`:N}p(I)}}}};return c.events=bt(c),c}async function vt(e,t){if(!te(e))throw new B(0,"invalid_id","That is not an account id (they look like `acct_\u2026`).");let o=Ne(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new B(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function fe(e,t=250,o=1e3){let n=null,s=0,r=()=>{let a=performance.now();s||(s=a),clearTimeout(n),n=setTimeout(()=>{n=null,s=0,e()},Math.max(0,Math.min(t,s+o-a)))};return r.cancel=()=>{clearTimeout(n),n=null,s=0},r}function gt(e){let t=null,o=null,n=()=>t?(o??(o=t.catch(()=>{}).then(()=>(o=null,n()))),o):(t=Promise.resolve().then(e).finally(()=>{t=null}),t);return n}function P(e,t,o){let[n,s]=$({data:void 0,error:null}),r=U(e);r.current=e;let a=U(0),u=J(()=>{let c=gt(async()=>{let i=a.current;try{let p=await r.current();return i===a.current&&s({data:p,error:null}),p}catch(p){i===a.current&&s(h=>({data:h.data,error:p}));return}});return{reload:c,refresh:fe(c)}},[]);return M(()=>{a.current+=1,s({data:void 0,error:null}),u.reload();let c=o?setInterval(()=>{document.visibilityState==="visible"&&u.reload()},o):null;return()=>{clearInterval(c),u.refresh.cancel()}},t),{...n,...u}}function Le(e,t,o){let n=U(t);n.current=t,M(()=>e.events.subscribe(s=>n.current(s),o),[e,o])}function x({error:e}){return e?d`<p class="error" role="alert">${e.message}${e.requestId?d` <span class="request-id">(request <code>${e.requestId}</code>)</span>`:null}</p>`:null}function q(e,t,o,n,s="total"){let r=P(()=>e(0),o,n),[a,u]=$({items:[],error:null,busy:!1});M(()=>u({items:[],error:null,busy:!1}),o);let c=r.data?.[t]??[],i=new Set(c.map(_=>_.id)),p=[...c,...a.items.filter(_=>!i.has(_.id))],h=r.data?.[s],l=async()=>{u(_=>({..._,busy:!0,error:null}));try{let _=await e(c.length+a.items.length);u(f=>({items:[...f.items,..._[t]],error:null,busy:!1}))}catch(_){u(f=>({...f,error:_,busy:!1}))}};return{...r,items:p,total:h,hasMore:typeof h=="number"&&p.length<h,more:l,busy:a.busy,moreError:a.error}}function K({list:e,what:t}){return e.data?d`<div class="show-more">
    ${e.hasMore?d`<p class="muted" aria-live="polite">Showing ${e.items.length} of ${e.total} ${t}.</p>
          <button type="button" class="secondary" disabled=${e.busy} onClick=${e.more}>Show more ${t}</button>`:null}
    <${x} error=${e.moreError} />
  </div>`:null}function me({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending",suppressed:"Suppressed"}[e]??e;return d`<span class="badge badge-${e}">${t}</span>`}function R({children:e}){return d`<div class="empty">${e}</div>`}function z({secret:e,title:t,onDone:o}){let[n,s]=$(!1),r=U(null);return d`
    <section class="secret" role="alert" aria-labelledby="secret-title">
      <h3 id="secret-title">${t}</h3>
      <p><strong>Copy this signing secret now: it is shown only once.</strong> Your receiver
        needs it to check signatures; if you lose it, rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code ref=${r} data-testid="secret">${e}</code>
        <button type="button" onClick=${async()=>{try{await navigator.clipboard.writeText(e),s(!0)}catch{let u=document.createRange();u.selectNodeContents(r.current);let c=window.getSelection();c.removeAllRanges(),c.addRange(u)}}}>${n?"Copied":"Copy secret"}</button>
      </div>
      <p class="muted" aria-live="polite">${n?"The secret is on your clipboard.":""}</p>
      <button type="button" class="secondary" onClick=${o}>I have stored it</button>
    </section>`}function De({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let a=U(null);return M(()=>{let u=a.current;u&&(e&&!u.open&&u.showModal(),!e&&u.open&&u.close())},[e]),d`
    <dialog ref=${a} aria-labelledby="confirm-title" onCancel=${u=>{u.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var no=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),ro=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),D=e=>e?no.format(new Date(e)):"\u2014",$e=e=>ro.format(new Date(e));function Ue(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var be=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,j=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function wt(e){if(e==null)return"\u2014";let t=Math.max(0,Math.floor(e));return t<60?`${t} s`:t<3600?`${Math.floor(t/60)} min${t%60?` ${t%60} s`:""}`:t<86400?`${Math.floor(t/3600)} h${t%3600>=60?` ${Math.floor(t%3600/60)} min`:""}`:`${Math.floor(t/86400)} d${t%86400>=3600?` ${Math.floor(t%86400/3600)} h`:""}`}function oe(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function kt(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var ye=160,T={left:44,right:8,top:10,bottom:22},V=ye-T.top-T.bottom,xt="(max-width: 600px)";function St(){let[e,t]=$(()=>matchMedia(xt).matches);M(()=>{let n=matchMedia(xt),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-T.left-T.right]}function Et(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function Ct({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],a=Math.max(1,Math.round(o.length/(e<600?3:4)));return d`
    <g class="axis" aria-hidden="true">
      ${r.map(u=>{let c=T.top+V-u/n*V;return d`<line x1=${T.left} x2=${e-T.right} y1=${c} y2=${c} class="grid" />
          <text x=${T.left-6} y=${c+4} text-anchor="end">${s(u)}</text>`})}
      ${o.map((u,c)=>c%a===0?d`<text x=${T.left+(c+.5)*(t/o.length)} y=${ye-6} text-anchor="middle">${$e(u.start)}</text>`:null)}
    </g>`}function ve({minutes:e}){let[t,o]=St();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((i,p)=>i+p.succeeded,0),s=e.reduce((i,p)=>i+p.failed,0),r=Et(Math.max(...e.map(i=>i.succeeded+i.failed))),a=o/e.length,u=i=>i/r*V,c=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${ye}" role="img" aria-label=${c}>
        <${Ct} W=${t} plotW=${o} minutes=${e} max=${r} unit=${i=>String(Math.round(i))} />
        ${e.map((i,p)=>{let h=T.left+p*a+a*.15,l=u(i.succeeded),_=u(i.failed),f=T.top+V;return d`<g>
            <title>${$e(i.start)}: ${i.succeeded} succeeded, ${i.failed} failed</title>
            ${i.succeeded?d`<rect class="ok" x=${h} width=${a*.7} y=${f-l} height=${l} />`:null}
            ${i.failed?d`<rect class="fail" x=${h} width=${a*.7} y=${f-l-_} height=${_} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function ge({minutes:e}){let[t,o]=St();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(i=>[i.p50_ms,i.p99_ms]).filter(i=>i!=null),s=Et(Math.max(1,...n)),r=o/e.length,a=i=>{let p="",h=!1;return e.forEach((l,_)=>{let f=l[i];if(f==null){h=!1;return}let b=T.left+(_+.5)*r,y=T.top+V-f/s*V;p+=`${h?"L":"M"}${b.toFixed(1)},${y.toFixed(1)}`,h=!0}),p},u=[...e].reverse().find(i=>i.p50_ms!=null),c=u?`Attempt latency: latest minute with attempts p50 ${j(u.p50_ms)}, p99 ${j(u.p99_ms)}.`:"Attempt latency: no attempts in this window.";return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${ye}" role="img" aria-label=${c}>
        <${Ct} W=${t} plotW=${o} minutes=${e} max=${s} unit=${i=>j(Math.round(i))} />
        <path class="p99" d=${a("p99_ms")} />
        <path class="p50" d=${a("p50_ms")} />
        ${e.map((i,p)=>i.p50_ms==null?null:d`<circle class="p99" cx=${T.left+(p+.5)*r} cy=${T.top+V-i.p99_ms/s*V} r="2.5"><title>${$e(i.start)}: p50 ${j(i.p50_ms)}, p99 ${j(i.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function we({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,a]=$(t?.url??""),[u,c]=$(t?.events??["user.created"]),[i,p]=$(t?.room_id??""),[h,l]=$(t?.enabled??!0),[_,f]=$(null),[b,y]=$(!1),[v,m]=$(""),w=P(()=>e.get(`/rooms?${new URLSearchParams(v?{limit:L,search:v}:{limit:L})}`),[e,v]),I=v!==""||(w.data?.total??0)>L,A=g=>c(N=>N.includes(g)?N.filter(X=>X!==g):[...N,g]);return d`
    <form class="panel form" onSubmit=${async g=>{if(g.preventDefault(),u.length===0){f(new Error("Pick at least one event."));return}y(!0),f(null);try{await n({url:r.trim(),events:u,room_id:i||null,enabled:h})}catch(N){f(N)}finally{y(!1)}}} aria-busy=${b}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${g=>a(g.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${ee.map(g=>d`<label class="check">
              <input type="checkbox" checked=${u.includes(g)} onChange=${()=>A(g)} />
              <code>${g}</code>
            </label>`)}
        </div>
      </fieldset>
      ${I?d`<label for="wh-room-search">Filter the list by name</label>
            <input id="wh-room-search" type="search" value=${v} onInput=${g=>m(g.target.value)} />`:null}
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${i} onChange=${g=>p(g.target.value)}>
        <option value="">Every room of the account</option>
        ${(w.data?.rooms??[]).map(g=>d`<option value=${g.id}>${g.name}${g.custom_id?` (${g.custom_id})`:""}</option>`)}
        ${i&&!(w.data?.rooms??[]).some(g=>g.id===i)?d`<option value=${i}>${i}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${h} onChange=${g=>l(g.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${x} error=${_} />
      <div class="actions">
        ${s?d`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${b}>${o}</button>
      </div>
    </form>`}function We({health:e}){return!e||e.last_outcome==null?d`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?d`<span class="badge badge-failed">Failing</span> <span class="muted">since ${Ue(e.failing_since)}</span>`:d`<span class="badge badge-success">Succeeded</span> <span class="muted">${Ue(e.last_attempt_minute)}</span>`}function Fe({api:e,reloadKey:t}){let o=U(new Map),n=q(async s=>{let r=new URLSearchParams({limit:String(L)}),a=o.current.get(s);a?r.set("cursor",a):s&&r.set("offset",String(s));let[u,c]=await Promise.all([e.get(`/webhooks?limit=${L}&offset=${s}`),e.get(`/stats/webhooks?${r}`)]);c.next_cursor&&o.current.set(s+u.webhooks.length,c.next_cursor);let i=new Map(c.webhooks.map(p=>[p.webhook_id,p]));return{...u,webhooks:u.webhooks.map(p=>({...p,health:i.get(p.id)}))}},"webhooks",[e,t],1e4);return n.data===void 0&&!n.error?d`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:n.data&&n.items.length===0?d`<${R}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`:d`
    <${x} error=${n.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${n.items.map(s=>d`<tr>
              <td class="url"><a href=${`#/webhooks/${encodeURIComponent(s.id)}`}>${s.url}</a>${s.room_id?d`<div class="muted">room ${s.room_id}</div>`:null}</td>
              <td data-label="Events">${s.events.length===7?"all 7":s.events.join(", ")}</td>
              <td data-label="Status">${s.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${We} health=${s.health} /></td>
              <td data-label="Success (24 h)">${be(s.health?.success_rate_24h)} <span class="muted">${s.health?.attempts_24h?`of ${s.health.attempts_24h}`:""}</span></td>
            </tr>`)}
        </tbody>
      </table>
    </div>
    <${K} list=${n} what="webhooks" />`}function Pt({api:e,creating:t}){let[o,n]=$(null),[s,r]=$(0),a=async u=>{let c=await e.post("/webhooks",u);n(c.webhook),r(i=>i+1),location.hash="#/webhooks"};return d`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${t?null:d`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${o?d`<${z} title=${`Webhook created for ${o.url}`} secret=${o.secret} onDone=${()=>n(null)} />`:null}
    ${t?d`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${we} api=${e} submitLabel="Create webhook" onSubmit=${a} onCancel=${()=>location.hash="#/webhooks"} />
        </section>`:null}
    <${Fe} api=${e} reloadKey=${s} />`}function Rt({api:e}){let t=P(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return d`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${x} error=${t.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${ve} minutes=${t.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${ge} minutes=${t.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${Fe} api=${e} />
    </section>`}function Tt({api:e,id:t}){let o=P(async()=>{let[{webhook:_},f]=await Promise.all([e.get(C`/webhooks/${t}`),e.get(C`/stats/webhooks?webhook_id=${t}`)]);return{webhook:_,health:f.webhooks.find(b=>b.webhook_id===t)}},[e,t],1e4),[n,s]=$(!1),[r,a]=$(null),[u,c]=$(null),[i,p]=$(null);if(o.error?.status===404)return d`<h1>Webhook not found</h1><${R}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let h=o.data?.webhook,l=async _=>{p(null);try{await _(),await o.reload()}catch(f){p(f)}};return d`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${h?.url??"Webhook"}</h1>
    <${x} error=${i??o.error} />
    ${r?d`<${z} title="New signing secret" secret=${r} onDone=${()=>a(null)} />`:null}
    ${h?d`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${h.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${We} health=${o.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${be(o.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${h.events.map(_=>d`<code class="tag">${_}</code> `)}</dd>
            <dt>Room</dt><dd>${h.room_id??"Every room"}</dd>
            <dt>Id</dt><dd><code>${h.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${()=>s(!n)} aria-expanded=${n}>Edit</button>
            <button type="button" class="secondary" onClick=${()=>l(()=>e.patch(C`/webhooks/${t}`,{enabled:!h.enabled}))}>${h.enabled?"Disable":"Enable"}</button>
            <button type="button" class="secondary" onClick=${()=>c("rotate")}>Rotate secret</button>
            <button type="button" class="danger" onClick=${()=>c("delete")}>Delete</button>
          </div>
        </div>
        ${n?d`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${we} api=${e} initial=${h} submitLabel="Save changes"
                onSubmit=${async _=>{await e.patch(C`/webhooks/${t}`,_),s(!1),await o.reload()}}
                onCancel=${()=>s(!1)} /></section>`:null}`:d`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${De} open=${u==="delete"} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${()=>c(null)}
      onConfirm=${async()=>{c(null);try{await e.del(C`/webhooks/${t}`),location.hash="#/webhooks"}catch(_){p(_)}}}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${h?.url}</code>.</p>
    <//>
    <${De} open=${u==="rotate"} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${()=>c(null)}
      onConfirm=${()=>{c(null),l(async()=>a((await e.post(C`/webhooks/${t}/rotate-secret`)).webhook.secret))}}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${so} api=${e} id=${t} />
    <${ao} api=${e} id=${t} />`}function so({api:e,id:t}){let o=P(()=>e.get(`/stats/deliveries?${new URLSearchParams({minutes:"60",webhook_id:t})}`),[e,t],1e4);return d`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${x} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${ve} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${ge} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function ao({api:e,id:t}){let[o,n]=$(""),[s,r]=$(""),[a,u]=$([]),[c,i]=$(void 0),[p,h]=$(null),l=()=>{let m=new URLSearchParams({limit:"25"});return o&&m.set("status",o),s&&m.set("event",s),m},_=P(async()=>await e.get(`${C`/webhooks/${t}/deliveries`}?${l()}`),[e,t,o,s],3e3),f=[..._.data?.deliveries??[],...a.filter(m=>!(_.data?.deliveries??[]).some(w=>w.id===m.id))],b=c===void 0?_.data?.next_cursor:c,y=async()=>{let m=l();m.set("cursor",b);let w=await e.get(`${C`/webhooks/${t}/deliveries`}?${m}`);u(I=>[...I,...w.deliveries]),i(w.next_cursor)},v=m=>w=>{m(w.target.value),u([]),i(void 0)};return d`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries${typeof _.data?.total=="number"?d` <span class="muted">(${_.data.total})</span>`:null}</h2>
      <div class="filters">
        <label>Status
          <select value=${o} onChange=${v(n)}>
            <option value="">Any</option><option value="pending">Pending</option>
            <option value="success">Succeeded</option><option value="failed">Failed</option>
          </select>
        </label>
        <label>Event
          <select value=${s} onChange=${v(r)}>
            <option value="">Any</option>
            ${ee.map(m=>d`<option value=${m}>${m}</option>`)}
          </select>
        </label>
      </div>
      <${co} api=${e} id=${t} onDone=${_.reload} />
      <${x} error=${_.error} />
      ${_.data===void 0&&!_.error?d`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:f.length===0?d`<${R}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:d`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${f.map(m=>d`<${io} key=${m.id} api=${e} id=${t} d=${m} open=${p===m.id}
                onToggle=${()=>h(p===m.id?null:m.id)} onRetried=${_.reload} />`)}
            </ul>`}
      ${b?d`<button type="button" class="secondary" onClick=${y}>Load older deliveries</button>`:null}
    </section>`}function io({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return d`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${me} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${D(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?d`<span class="muted">next try ${D(o.next_retry_at)}</span>`:null}
      </button>
      ${n?d`<${lo} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function lo({api:e,id:t,d:o,onRetried:n}){let s=P(()=>e.get(C`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,a]=$(null),[u,c]=$(!1);return d`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${async()=>{a(null);try{await e.post(C`/webhooks/${t}/deliveries/${o.id}/retry`),c(!0),n()}catch(p){a(p)}}}>Retry delivery</button>
        <span class="muted" aria-live="polite">${u?"Scheduled: it is attempted again now.":""}</span>
      </div>
      <${x} error=${r??s.error} />
      <h3>Attempts</h3>
      ${s.data?.attempts?.length===0?d`<p class="muted">Not attempted yet.</p>`:d`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(s.data?.attempts??[]).map(p=>d`<tr>
                <td>${D(p.attempted_at)}</td>
                <td>${p.status_code??"\u2014"}</td>
                <td>${j(p.duration_ms)}</td>
                <td>${p.error??""}</td>
                <td><code class="body">${p.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${oe(o.payload)}</pre>
    </div>`}function co({api:e,id:t,onDone:o}){let[n,s]=$(kt(new Date(Date.now()-36e5))),[r,a]=$(null),[u,c]=$(null);return d`
    <form class="recover" onSubmit=${async p=>{p.preventDefault(),c(null);try{let h=await e.post(C`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});a(`${h.scheduled} failed deliver${h.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(h){c(h)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${p=>s(p.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${x} error=${u} />
    </form>`}var It=e=>`#/rooms/${encodeURIComponent(e)}`,Mt=e=>!e||/^(participant|session)\./.test(e.event);function uo(e){let[t,o]=$({}),n=U(null);return n.current??(n.current=(()=>{let s=new Set,r=new Set,a=new Set,u=new Set,c=!1,i=l=>s.has(l)&&(!a.has(l)||r.has(l)),p=async l=>{if(!(u.has(l)||!i(l))){u.add(l),r.delete(l);try{let _=await e.get(C`/rooms/${l}/participants`);if(c)return;o(f=>({...f,[l]:_.participants}))}catch{}finally{a.add(l),u.delete(l)}c||p(l)}},h=typeof IntersectionObserver=="function"?new IntersectionObserver(l=>{for(let _ of l){let f=_.target.dataset.room;_.isIntersecting?(s.add(f),p(f)):s.delete(f)}},{rootMargin:"200px"}):null;return{watch(l){return h?h.observe(l):(s.add(l.dataset.room),p(l.dataset.room)),()=>{h?.unobserve(l),s.delete(l.dataset.room)}},stale(l){if(l)r.add(l);else for(let _ of a)r.add(_)},flush(l){for(let _ of s)(!l||l.has(_))&&p(_)},stop(){c=!0,h?.disconnect()}}})()),M(()=>()=>n.current.stop(),[]),[t,n.current]}function At({participants:e}){return e===void 0?d`<span class="muted">…</span>`:e.length===0?d`<span class="muted">Nobody connected</span>`:d`<ul class="people">
    ${e.map(t=>d`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function po({room:e,participants:t,rooms:o}){let n=U(null);return M(()=>o.watch(n.current),[e.id]),d`<li class="panel room" data-room=${e.id} ref=${n}>
    <h2><a href=${It(e.id)}>${e.name}</a> <span class="muted">${e.custom_id??""}</span></h2>
    <${At} participants=${t} />
  </li>`}function Nt({api:e}){let t=P(()=>e.get(`/rooms?live=true&limit=${L}`),[e],3e4),o=q(c=>e.get(`/rooms?limit=${L}&offset=${c}`),"rooms",[e],3e4),[n,s]=uo(e),r=U(!1),a=J(()=>fe(async()=>{let c;if(r.current){r.current=!1;let i=await t.reload();i&&(c=new Set(i.rooms.map(p=>p.id)))}s.flush(c)}),[]);M(()=>()=>a.cancel(),[]),Le(e,c=>{Mt(c)&&((!c||c.event.startsWith("session."))&&(r.current=!0),s.stale(c?.room_id),a())});let u=t.data?.rooms??[];return d`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${u.length} room${u.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${x} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?d`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:u.length===0?d`<${R}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:d`<ul class="rooms">
            ${u.map(c=>d`<${po} key=${c.id} room=${c} participants=${n[c.id]} rooms=${s} />`)}
          </ul>`}
    ${t.data?.next_cursor?d`<p class="muted">Showing the first ${L} live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms${typeof o.total=="number"?d` <span class="muted">(${o.total})</span>`:null}</h2>
      ${o.data&&o.items.length===0?d`<${R}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:d`<ul class="room-links">
            ${o.items.map(c=>d`<li><a href=${It(c.id)}>${c.name}</a> <span class="muted">${c.custom_id??""}</span></li>`)}
          </ul>`}
      <${K} list=${o} what="rooms" />
    </section>`}function _o({data:e}){let t=e?.room,o=(n,s,r)=>d`<div title=${r}><dt>${n}</dt><dd>${t?s:"\u2026"}</dd></div>`;return d`<dl class="stats">
    ${o("Active participants",t?.active_participants,"Users participating now (active_participants)")}
    ${o("Time in session",wt(t?.duration_seconds),"The summed length of the room\u2019s sessions, the live one up to the last read (duration_seconds)")}
    ${o("Users now",e?.usersTotal,"Users of the room now (usersTotal)")}
    ${o("Users ever created",t?.total_users_created,"Users ever created in the room (total_users_created)")}
  </dl>`}function ho({list:e}){return e.data&&e.items.length===0?d`<${R}><p>No users in this room. Create one with <code>POST /v1/accounts/{id}/users</code>.</p><//>`:d`<ul class="users" aria-label="Users of the room">
    ${e.items.map(t=>d`<li data-user=${t.id}>
        <span class="dot ${t.status==="online"?"":"offline"}" aria-hidden="true"></span>
        <strong>${t.name}</strong>
        <span class="badge ${t.status==="online"?"badge-on":"badge-off"}">${t.status==="online"?"Online":"Offline"}</span>
        ${t.custom_id?d`<code class="tag">${t.custom_id}</code>`:null}
        <span class="muted">${t.status==="online"?`since ${D(t.joined_at)}`:t.left_at?`last seen ${D(t.left_at)}`:"never connected"}</span>
      </li>`)}
  </ul>`}var fo=e=>e>=1024*1024?`${(e/1024/1024).toFixed(1)} MiB`:e>=1024?`${(e/1024).toFixed(1)} KiB`:`${e} bytes`;function mo({api:e,id:t}){let o=P(()=>e.get(C`/rooms/${t}/stores`),[e,t]),n=o.data?.stores;return d`<section aria-labelledby="stores-title">
    <h2 id="stores-title">Stores</h2>
    <${x} error=${o.error} />
    ${n===void 0?d`<p class="muted">…</p>`:n.length===0?d`<${R}><p>No store has been written in this room yet.</p><//>`:d`<ul class="stores">
            ${n.map(s=>d`<li key=${s.name} data-store=${s.name}><${$o} api=${e} room=${t} store=${s} /></li>`)}
          </ul>`}
    <p><button type="button" class="secondary" onClick=${()=>o.refresh()}>Refresh stores</button></p>
  </section>`}function $o({api:e,room:t,store:o}){let[n,s]=$(!1);return d`<details class="panel" onToggle=${r=>s(r.currentTarget.open)}>
    <summary><code>${o.name}</code>
      <span class="muted"> ${o.entries} ${o.entries===1?"entry":"entries"} · version ${o.version} · ${fo(o.bytes)}</span></summary>
    ${n?d`<${bo} api=${e} room=${t} name=${o.name} />`:null}
  </details>`}function bo({api:e,room:t,name:o}){let n=q(s=>e.get(`${C`/rooms/${t}/stores/${o}`}?offset=${s}`).then(r=>({...r,entries:r.entries.map(a=>({...a,id:a.key}))})),"entries",[e,t,o]);return d`<${x} error=${n.error} />
    <div class="table-wrap"><table aria-label=${`Entries of ${o}`}>
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Version</th><th scope="col">Last written</th></tr></thead>
      <tbody>
        ${n.items.map(s=>d`<tr key=${s.key} data-key=${s.key}>
            <td><code>${s.key}</code></td>
            <td><pre class="payload">${oe(JSON.stringify(s.value))}</pre></td>
            <td>${s.version}</td>
            <td>${D(s.updated_at)} <span class="muted">${s.updated_by?`by ${s.updated_by}`:"through the API"}</span></td>
          </tr>`)}
      </tbody>
    </table></div>
    <${K} list=${n} what="entries" />`}function Lt({api:e,id:t}){let o=q(a=>e.get(a?`${C`/rooms/${t}`}?offset=${a}`:C`/rooms/${t}`),"users",[e,t],void 0,"usersTotal"),n=P(()=>e.get(C`/rooms/${t}/participants`),[e,t]),s=P(()=>e.get(C`/rooms/${t}/recent-events?limit=30`),[e,t]);if(Le(e,a=>{s.refresh(),(Mt(a)||a.event.startsWith("user."))&&n.refresh(),o.refresh()},t),o.error?.status===404)return d`<h1>Room not found</h1><${R}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`;let r=o.data?.room;return d`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${r?.name??"Room"}</h1>
    <p class="muted">${r?d`<code>${r.id}</code>${r.custom_id?d` · customId <code>${r.custom_id}</code>`:null} · created ${D(r.created_at)}`:"\xA0"}</p>
    <${x} error=${o.error??s.error} />
    <${_o} data=${o.data} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${At} participants=${n.data?.participants} />
    </section>
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <${ho} list=${o} />
      <${K} list=${o} what="users" />
    </section>
    <${mo} api=${e} id=${t} />
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?d`<${R}><p>Nothing has happened in this room yet.</p><//>`:d`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(a=>d`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${a.room_seq}</span>
                    <code>${a.event}</code> <span class="muted">${D(a.created_at)}</span>
                    ${a.payload.user?d` · ${a.payload.user.name}`:null}</summary>
                  <pre class="payload">${oe(JSON.stringify(a.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}async function yo(e){try{return(await e.get("/alerts/destination")).destination}catch(t){if(t.status===404)return null;throw t}}function vo({api:e,current:t,onSaved:o}){let[n,s]=$(t?.url??""),[r,a]=$(String(t?.failure_threshold??5)),[u,c]=$(null),[i,p]=$(!1);return d`
    <form class="panel form" onSubmit=${async l=>{l.preventDefault(),p(!0),c(null);try{let _=await e.put("/alerts/destination",{url:n.trim(),failureThreshold:Number(r)});o(_.destination)}catch(_){c(_)}finally{p(!1)}}} aria-busy=${i}>
      <label for="alert-url">Alert destination URL</label>
      <input id="alert-url" type="url" required placeholder="https://example.com/collabkit/alerts"
        value=${n} onInput=${l=>s(l.target.value)} />
      <label for="alert-threshold">Failed attempts in a row before a registration is failing</label>
      <input id="alert-threshold" type="number" min="1" max="10000" required
        value=${r} onInput=${l=>a(l.target.value)} />
      <${x} error=${u} />
      <div class="actions"><button type="submit" disabled=${i}>Save destination</button></div>
    </form>`}function go({api:e,onChanged:t}){let o=P(()=>yo(e),[e]),[n,s]=$(null),[r,a]=$(null),u=p=>{p.secret&&s({url:p.url,secret:p.secret}),o.reload(),t()},c=async()=>{a(null);try{await e.del("/alerts/destination"),o.reload(),t()}catch(p){a(p)}},i=o.data;return d`
    <section aria-labelledby="destination-title">
      <h2 id="destination-title">Destination</h2>
      <p class="muted">Alerts are signed like deliveries (Standard Webhooks) with the destination's own
        secret, and never sent to the failing registration.</p>
      <${x} error=${o.error??r} />
      ${n?d`<${z} title=${`Alert destination set to ${n.url}`} secret=${n.secret} onDone=${()=>s(null)} />`:null}
      ${i===void 0?d`<div class="facts placeholder" aria-busy="true">Loading the destination…</div>`:i===null?d`<${R}><p>No alert destination yet: set one to be told when delivery breaks.</p><//>`:d`<div class="panel facts"><dl>
              <dt>URL</dt><dd><code data-testid="alert-url">${i.url}</code></dd>
              <dt>Failing after</dt><dd>${i.failure_threshold} failed attempts in a row</dd>
              <dt>Updated</dt><dd>${D(i.updated_at)}</dd>
            </dl>
            <div class="actions"><button type="button" class="secondary" onClick=${c}>Remove destination</button></div>
          </div>`}
      ${i===void 0?null:d`<${vo} api=${e} current=${i} key=${i?.updated_at??"new"} onSaved=${u} />`}
    </section>`}var wo={"registration.failing":"Failing","registration.disabled":"Disabled","registration.recovered":"Recovered","delivery.exhausted":"Delivery exhausted"};function ko({api:e,reloadKey:t}){let o=q(n=>e.get(`/alerts?limit=${L}&offset=${n}`),"alerts",[e,t],1e4);return o.data===void 0&&!o.error?d`<div class="table-placeholder" aria-busy="true">Loading alerts…</div>`:o.data&&o.items.length===0?d`<${R}><p>No alerts yet.</p><//>`:d`
    <${x} error=${o.error} />
    <div class="table-wrap">
      <table class="cards alerts">
        <caption class="visually-hidden">Delivery alerts, newest first</caption>
        <thead><tr><th scope="col">Alert</th><th scope="col">Registration</th><th scope="col">When</th><th scope="col">Status</th><th scope="col">Attempts</th></tr></thead>
        <tbody>
          ${o.items.map(n=>d`<tr class="alert-row" data-kind=${n.kind} data-status=${n.status}>
              <td><strong>${wo[n.kind]??n.kind}</strong> <code class="muted">${n.kind}</code></td>
              <td data-label="Registration"><a href=${`#/webhooks/${encodeURIComponent(n.webhook_id)}`}><code>${n.webhook_id}</code></a></td>
              <td data-label="When">${D(n.created_at)}</td>
              <td data-label="Status"><${me} status=${n.status} />${n.error?d` <span class="muted">${n.error}</span>`:null}</td>
              <td data-label="Attempts">${n.attempts}${n.status_code?d` <span class="muted">(last ${n.status_code})</span>`:null}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>
    <${K} list=${o} what="alerts" />`}function Dt({api:e}){let[t,o]=$(0);return d`
    <div class="title-row"><h1>Alerts</h1></div>
    <${go} api=${e} onChanged=${()=>o(n=>n+1)} />
    <section aria-labelledby="log-title">
      <h2 id="log-title">Alert log</h2>
      <p class="muted">Suppressed alerts were held back by the rate limit (one per registration and kind
        per interval, a cap per minute): kept here, never sent.</p>
      <${ko} api=${e} reloadKey=${t} />
    </section>`}var Oe="collabkit.dashboard.credential";function xo(){let[e,t]=$(location.hash||"#/");return M(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function So(e){return e.replace(/^#\/?/,"").split("/").filter(Boolean).map(t=>{try{return decodeURIComponent(t)}catch{return null}})}function Ut({what:e,list:t}){return d`<h1>Not a valid ${e} id</h1><${R}><p>The address names no ${e} this dashboard can show.</p>${t}<//>`}function Eo({onSignedIn:e,notice:t}){let[o,n]=$(""),[s,r]=$(""),[a,u]=$(null),[c,i]=$(!1);return d`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${async h=>{h.preventDefault(),i(!0),u(null);try{await vt(o.trim(),s.trim()),e({accountId:o.trim(),apiKey:s.trim()})}catch(l){u(l)}finally{i(!1)}}} aria-busy=${c}>
        <h1>CollabKit dashboard</h1>
        <p class="muted">Sign in with an account id and its API key: the ones <code>collabkit serve</code>
          printed on first start, or <code>collabkit accounts create</code>.</p>
        ${t?d`<p class="notice" role="status">${t}</p>`:null}
        <label for="account-id">Account id</label>
        <input id="account-id" autocomplete="username" required spellcheck="false"
          placeholder="acc_…" value=${o} onInput=${h=>n(h.target.value)} />
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required
          value=${s} onInput=${h=>r(h.target.value)} />
        ${a?d`<p class="error" role="alert">${a.message}</p>`:null}
        <button type="submit" disabled=${c}>${c?"Signing in\u2026":"Sign in"}</button>
        <p class="muted small">The key stays in this tab's session storage and is sent only to this server.</p>
      </form>
    </main>`}function Co({credential:e,onSignOut:t}){let o=xo(),n=J(()=>Ne(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=So(o),r=s[1],a,u="overview";s[0]==="webhooks"?(u="webhooks",r==="new"||r===void 0?a=d`<${Pt} api=${n} creating=${r==="new"} />`:te(r)?a=d`<${Tt} api=${n} id=${r} key=${r} />`:a=d`<${Ut} what="webhook" list=${d`<a href="#/webhooks">All webhooks</a>`} />`):s[0]==="rooms"?(u="rooms",r===void 0?a=d`<${Nt} api=${n} />`:te(r)?a=d`<${Lt} api=${n} id=${r} key=${r} />`:a=d`<${Ut} what="room" list=${d`<a href="#/rooms">All rooms</a>`} />`):s[0]==="alerts"?(u="alerts",a=d`<${Dt} api=${n} />`):a=d`<${Rt} api=${n} />`,M(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms",alerts:"Alerts"}[u]} \xB7 CollabKit`},[u]);let c=(i,p,h)=>d`<a href=${i} aria-current=${u===p?"page":void 0}>${h}</a>`;return d`
    <a class="skip" href="#main" onClick=${i=>{i.preventDefault(),document.getElementById("main").focus()}}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${c("#/","overview","Overview")}
        ${c("#/webhooks","webhooks","Webhooks")}
        ${c("#/rooms","rooms","Live rooms")}
        ${c("#/alerts","alerts","Alerts")}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${e.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${()=>t()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${a}</main>`}function Po(){let[e,t]=$(()=>{try{return JSON.parse(sessionStorage.getItem(Oe))}catch{return null}}),[o,n]=$(null);return e?d`<${Co} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Oe),n(s??null),t(null)}} />`:d`<${Eo} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Oe,JSON.stringify(s)),n(null),t(s)}} />`}var Wt=document.getElementById("app");Wt.textContent="";ot(d`<${Po} />`,Wt);
